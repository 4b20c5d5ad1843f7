import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CommandDispatcher } from './command-dispatcher';
import { MessagesRepository } from './messages.repository';
import { OutboxRepository } from './outbox';

const BATCH = 500;
// One at a time: the relay publishes in order of acceptance (bulk sends publish their own, in parallel).
const RELAY_PARALLEL = 1;
/** An outbox entry whose message was never stored (the API stopped between the two inserts). */
const ORPHAN_AFTER_MS = 60_000;

/**
 * Publishes what the outbox still owes, oldest first: commands the broker never confirmed (it was
 * down, or the API stopped right after storing), and scheduled messages whose time has come. An
 * entry is only picked up two intervals after it is due, so the normal path's own publish is not
 * raced; a duplicate publish would be harmless anyway, as the worker's claim sends a message once.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly messages: MessagesRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.relayOnce(), this.config.outboxRelayIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many commands it published. */
  async relayOnce(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const owed = await this.outbox.due(new Date(Date.now() - 2 * this.config.outboxRelayIntervalMs), BATCH);
      if (owed.length === 0) return 0;
      const stored = await this.messages.existing(owed.map((command) => command.messageId));
      const orphans = owed.filter((c) => !stored.has(c.messageId) && c.dueAt.getTime() < Date.now() - ORPHAN_AFTER_MS);
      await this.outbox.settle(orphans.map((command) => command.messageId));
      const due = owed.filter((command) => stored.has(command.messageId));
      const published = await this.dispatcher.publish(due, { parallel: RELAY_PARALLEL, background: true });
      if (published > 0) this.logger.log({ published }, 'outbox relay published owed commands');
      return published;
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'outbox relay paused; will try again');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
