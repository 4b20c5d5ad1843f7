import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { PeriodicTask } from '../common/periodic-task';
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
  private readonly task = new PeriodicTask(() => this.relay(), 0);

  constructor(
    private readonly audit: AuditService,
    private readonly publisher: StatusEventPublisher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.events.relayIntervalMs);
  }

  onApplicationShutdown(): void {
    void this.task.stop();
  }

  /** Returns how many events it published. */
  relayOnce(): Promise<number> {
    return this.task.runOnce();
  }

  private async relay(): Promise<number> {
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
    }
  }
}
