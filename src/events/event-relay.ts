import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { pendingEntryOf, StatusEventPublisher } from './status-event.publisher';

const BATCH = 200;

/**
 * Publishes the events whose changes are older than EVENTS_RELAY_AFTER_MS and still pending: their
 * process stopped between the change and the publish (SIGKILL), or the broker was away. Runs in
 * every process, one batch at a time; two relays may publish one event twice, with one id.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly audit: AuditService,
    private readonly publisher: StatusEventPublisher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.relayOnce(), this.config.events.relayIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many events it published. */
  async relayOnce(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const found = await this.audit.pendingEvents(new Date(Date.now() - this.config.events.relayAfterMs), BATCH);
      const pending = found.filter((entry) => !this.publisher.holds(entry.fence!));
      if (pending.length === 0) return 0;
      const published = await this.publisher.publishAndSettle(pending.map((entry) => pendingEntryOf(entry, entry.at)));
      this.logger.log({ published }, 'event relay published events left pending');
      return published;
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'event relay paused; will try again');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
