import { Module } from '@nestjs/common';
import { CoreModule } from './core.module';
import { WorkerMetricsModule } from './metrics/worker-metrics.module';
import { SmsModule } from './sms/sms.module';

/** The worker process: consumes the SMS queue and talks to Twilio. */
@Module({ imports: [CoreModule, SmsModule, WorkerMetricsModule] })
export class WorkerModule {}
