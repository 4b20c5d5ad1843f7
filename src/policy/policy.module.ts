import { ProjectsModule } from '../projects/projects.module';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { SendPolicy } from './send-policy';
import { UsageCounters } from './usage-counters';
import { UsageEntry, UsageEntrySchema, UsageLedger } from './usage-ledger';

/** The send policy (SMS-pumping and cost defences), used by the API and by the worker for producers. */
@Module({
  imports: [MongooseModule.forFeature([{ name: UsageEntry.name, schema: UsageEntrySchema }]), AuditModule, MessageStoreModule, ProjectsModule],
  providers: [SendPolicy, UsageCounters, UsageLedger],
  exports: [SendPolicy],
})
export class PolicyModule {}
