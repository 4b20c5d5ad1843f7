import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { WebhookDelivery } from './webhook-endpoint.schema';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

const FLUSH_MS = 200;
const MAX_BUFFERED = 5000;

/**
 * The attempt log, written in batches: one insert per FLUSH_MS rather than one per attempt (the
 * store is what the drain is short of, issue 12). It is a record of attempts, not their state: an
 * entry lost in a crash costs a line of history, never a delivery (the queue holds those).
 */
@Injectable()
export class WebhookDeliveryLog implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryLog.name);
  private buffer: WebhookDelivery[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** The log's index, created by the first flush of a process that delivers, not at every start (see EventIndexSetup). */
  private indexed?: Promise<void>;

  constructor(private readonly repository: WebhookEndpointsRepository) {}

  add(delivery: WebhookDelivery): void {
    if (this.buffer.length >= MAX_BUFFERED) return;
    this.buffer.push(delivery);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    await this.flushing;
    const batch = this.buffer.splice(0);
    this.indexed ??= this.repository.ensureIndexes().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'webhook delivery index not created'));
    this.flushing = this.indexed.then(() => this.repository.appendDeliveries(batch))
      .catch((error: unknown) => this.logger.warn({ err: String(error), attempts: batch.length }, 'webhook attempt log not written'));
    await this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }
}
