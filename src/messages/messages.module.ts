import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { TemplatesModule } from '../templates/templates.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { PolicyModule } from '../policy/policy.module';
import { QueueModule } from '../queue/queue.module';
import { MessageStoreModule } from './message-store.module';
import { MessagesController } from './messages.controller';
import { BatchesController } from '../bulk/batches.controller';
import { Batch, BatchesRepository, BatchSchema } from '../bulk/batches.repository';
import { AcceptanceWriter } from './acceptance-writer';
import { AcceptedStore } from './accepted-store';
import { BatchExpander } from '../bulk/batch-expander';
import { BatchPart, BatchPartSchema, BatchPartsRepository } from '../bulk/batch-parts';
import { BulkService } from '../bulk/bulk.service';
import { CommandDispatcher } from '../outbox/command-dispatcher';
import { MessagesService } from './messages.service';
import { OutboxRelay } from '../outbox/outbox-relay';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: Batch.name, schema: BatchSchema }, { name: BatchPart.name, schema: BatchPartSchema }]),
    MessageStoreModule, QueueModule, AuditModule, IdempotencyModule, TemplatesModule, PolicyModule,
  ],
  controllers: [MessagesController, BatchesController],
  providers: [
    MessagesService, AcceptedStore, AcceptanceWriter, OutboxRelay, CommandDispatcher, BulkService, BatchesRepository, BatchPartsRepository, BatchExpander,
  ],
  // POST /v1/messages/preview plans sends with the same services (src/preview).
  exports: [MessagesService, BulkService],
})
export class MessagesModule {}
