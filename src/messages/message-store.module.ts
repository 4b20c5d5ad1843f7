import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { MessageIntake } from './message-intake';
import { OutboxEntry, OutboxEntrySchema, OutboxRepository } from '../outbox/outbox';
import { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { StatusLog } from '../lifecycle/status-log';
import { Message, MessageSchema } from './message.schema';
import { MessagesRepository } from './messages.repository';

/** The message collection and its state changes: shared by the API, the worker and the webhooks. */
@Module({
  imports: [MongooseModule.forFeature([
      { name: Message.name, schema: MessageSchema },
      { name: OutboxEntry.name, schema: OutboxEntrySchema },
    ]), AuditModule],
  providers: [MessagesRepository, StatusLog, MessageLifecycle, MessageIntake, OutboxRepository],
  // The Mongoose models too: batch progress reads messages by batch.
  exports: [MessagesRepository, MessageLifecycle, MessageIntake, OutboxRepository, MongooseModule],
})
export class MessageStoreModule {}
