import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { METRIC_PREFIX, MetricsRegistry } from './metrics-registry';
import { QueueInspector, QueueStats } from './queue-inspector';

/**
 * Queue depth and consumers, read from RabbitMQ when scraped (cached a few seconds). Served by the
 * API only: every API instance reports the same broker, so aggregate these with max(), not sum().
 */
@Injectable()
export class QueueMetrics {
  constructor({ registry }: MetricsRegistry, inspector: QueueInspector) {
    const labelNames = ['queue', 'role'] as const;
    // prom-client collects every metric at once: each gauge awaits the same cached snapshot.
    const perQueue = (name: string, help: string, value: (stats: QueueStats) => number) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [registry],
        async collect() {
          const { queues } = await inspector.snapshot();
          this.reset();
          for (const stats of queues) this.set({ queue: stats.queue, role: stats.role }, value(stats));
        },
      });
    perQueue('queue_messages', 'Messages ready in the queue (not counting those a consumer holds unacked)', (stats) => stats.messages);
    perQueue('queue_consumers', 'Consumers of the queue', (stats) => stats.consumers);
    new Gauge({
      name: `${METRIC_PREFIX}queue_stats_up`,
      help: '1 when RabbitMQ answered the last queue check, 0 when it could not be reached',
      registers: [registry],
      async collect() {
        this.set((await inspector.snapshot()).up ? 1 : 0);
      },
    });
  }
}
