import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'notifyx_';

/**
 * One registry per Nest application rather than prom-client's global one: the API and the worker
 * can share a process (tests, a single-process local run) and must not count into each other.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    // CPU, memory, event-loop lag, GC: what tells a slow process from a slow dependency.
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
