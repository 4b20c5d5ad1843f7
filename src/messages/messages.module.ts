import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TemplatesModule } from '../templates/templates.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { QueueModule } from '../queue/queue.module';
import { MessageStoreModule } from './message-store.module';
import { MessagesController } from './messages.controller';
import { CommandDispatcher } from './command-dispatcher';
import { MessagesService } from './messages.service';
import { OutboxRelay } from './outbox-relay';

@Module({
  imports: [MessageStoreModule, QueueModule, AuditModule, IdempotencyModule, TemplatesModule],
  controllers: [MessagesController],
  providers: [MessagesService, OutboxRelay, CommandDispatcher],
})
export class MessagesModule {}
