import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AppConfig } from '../config/app-config';
import { smsClientOptions } from './rmq-options';
import { SMS_QUEUE_CLIENT, SmsQueuePublisher } from './sms-queue.publisher';

@Module({
  imports: [
    ClientsModule.registerAsync([
      { name: SMS_QUEUE_CLIENT, inject: [AppConfig], useFactory: (config: AppConfig) => smsClientOptions(config.rabbit) },
    ]),
  ],
  providers: [SmsQueuePublisher],
  exports: [SmsQueuePublisher],
})
export class QueueModule {}
