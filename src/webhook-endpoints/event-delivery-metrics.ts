import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, MetricsRegistry } from '../metrics/metrics-registry';

export type DeliveryOutcome = 'success' | 'retry' | 'gave_up';

/** Webhook deliveries by endpoint (its id, or `callback` for per-message URLs) and outcome, and how long receivers take. */
@Injectable()
export class EventDeliveryMetrics {
  private readonly attempts: Counter<'endpoint' | 'outcome'>;
  private readonly latency: Histogram<'outcome'>;

  constructor({ registry }: MetricsRegistry) {
    this.attempts = new Counter({
      name: `${METRIC_PREFIX}event_deliveries_total`,
      help: 'Webhook delivery attempts, by endpoint id (callback: a message\'s statusCallback) and outcome (success; retry: failed, retried later; gave_up: failed, last attempt or endpoint disabled)',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: `${METRIC_PREFIX}event_delivery_seconds`,
      help: 'Time from connecting to a webhook receiver to its answer (or the failure)',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  attempted(endpoint: string, outcome: DeliveryOutcome, latencyMs: number): void {
    this.attempts.inc({ endpoint, outcome });
    this.latency.observe({ outcome }, latencyMs / 1000);
  }
}
