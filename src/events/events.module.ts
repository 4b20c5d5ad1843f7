import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { EventRelay } from './event-relay';
import { StatusEventPublisher } from './status-event.publisher';

/** Status events out to RabbitMQ: in every process that changes messages (the API and the worker). */
@Module({
  imports: [AuditModule, MessageStoreModule],
  providers: [StatusEventPublisher, EventRelay],
  exports: [StatusEventPublisher],
})
export class EventsModule {}
