import { Module } from '@nestjs/common';
import { MetricsCoreModule } from './metrics-core.module';
import { WorkerMetricsServer } from './worker-metrics.server';

/** The worker process: its counters and Twilio timings on WORKER_METRICS_PORT. */
@Module({ imports: [MetricsCoreModule], providers: [WorkerMetricsServer] })
export class WorkerMetricsModule {}
