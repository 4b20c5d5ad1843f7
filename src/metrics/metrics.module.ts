import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { MetricsCoreModule } from './metrics-core.module';
import { MetricsController } from './metrics.controller';
import { QueueInspector } from './queue-inspector';
import { QueueMetrics } from './queue-metrics';
import { QueuesController } from './queues.controller';

/** The API process: GET /metrics (with queue depth and consumers) and GET /v1/queues. */
@Module({
  imports: [MetricsCoreModule, AuthModule],
  controllers: [MetricsController, QueuesController],
  providers: [QueueInspector, QueueMetrics, MetricsAuthGuard],
  exports: [QueueInspector],
})
export class MetricsModule {}
