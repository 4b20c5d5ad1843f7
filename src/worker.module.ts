import { Module } from '@nestjs/common';
import { CoreModule } from './core.module';
import { EventsModule } from './events/events.module';
import { WorkerMetricsModule } from './metrics/worker-metrics.module';
import { SmsModule } from './sms/sms.module';

/** The worker process: consumes the SMS queue, talks to Twilio, publishes its changes' events. */
@Module({ imports: [CoreModule, SmsModule, WorkerMetricsModule, EventsModule] })
export class WorkerModule {}
