import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AppConfig } from '../config/app-config';
import { LaneRmqClient } from './lane-client';
import { smsClientOptions } from './rmq-options';
import { laneQueue } from './sms-topology';
import { SMS_QUEUE_CLIENT, SmsQueuePublisher } from './sms-queue.publisher';

@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: SMS_QUEUE_CLIENT,
        inject: [AppConfig],
        useFactory: ({ rabbit }: AppConfig) => ({
          customClass: LaneRmqClient,
          options: { ...smsClientOptions(rabbit).options, lanes: { high: laneQueue(rabbit, 'high'), normal: laneQueue(rabbit, 'normal'), low: laneQueue(rabbit, 'low') } },
        }),
      },
    ]),
  ],
  providers: [SmsQueuePublisher],
  exports: [SmsQueuePublisher],
})
export class QueueModule {}
