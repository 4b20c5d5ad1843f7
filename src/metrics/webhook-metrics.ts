import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { METRIC_PREFIX, MetricsRegistry } from './metrics-registry';

export type WebhookRefusalReason = 'rate_limited' | 'invalid_signature';

/** Refused Twilio webhook calls: a forged or replayed flood shows here, not as one audit entry per call. */
@Injectable()
export class WebhookMetrics {
  private readonly refusals: Counter<'route' | 'reason'>;

  constructor({ registry }: MetricsRegistry) {
    this.refusals = new Counter({
      name: `${METRIC_PREFIX}webhook_refusals_total`,
      help: 'Twilio webhook calls refused, by route and reason (rate_limited: 429 per source address; invalid_signature: 403)',
      labelNames: ['route', 'reason'],
      registers: [registry],
    });
  }

  refused(route: string, reason: WebhookRefusalReason): void {
    this.refusals.inc({ route, reason });
  }
}
