import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { CommandDispatcher } from './command-dispatcher';
import { MessagesRepository } from '../messages/messages.repository';
import { ORPHAN_AFTER_MS, OutboxRepository, OwedCommand } from './outbox';

const BATCH = 500;
// One at a time: the relay publishes in order of acceptance (bulk sends publish their own, in parallel).
const RELAY_PARALLEL = 1;

/**
 * Publishes what the outbox still owes, oldest first: commands the broker never confirmed (it was
 * down, or the API stopped right after storing), and scheduled messages whose time has come. An
 * entry is only picked up two intervals after it is due, so the normal path's own publish is not
 * raced; a duplicate publish would be harmless anyway, as the worker's claim sends a message once.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly task = new PeriodicTask(() => this.relay(), 0);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly messages: MessagesRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.outboxRelayIntervalMs);
  }

  onApplicationShutdown(): void {
    void this.task.stop();
  }

  /** Returns how many commands it published. */
  relayOnce(): Promise<number> {
    return this.task.runOnce();
  }

  private async relay(): Promise<number> {
    try {
      const owed = await this.outbox.due(new Date(Date.now() - 2 * this.config.outboxRelayIntervalMs), BATCH);
      if (owed.length === 0) return 0;
      const stored = await this.messages.existing(owed.map((command) => command.messageId));
      await this.dropOrphans(owed.filter((command) => !stored.has(command.messageId)));
      const due = owed.filter((command) => stored.has(command.messageId));
      const published = await this.dispatcher.publish(due, { parallel: RELAY_PARALLEL, background: true });
      if (published > 0) this.logger.log({ published }, 'outbox relay published owed commands');
      return published;
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'outbox relay paused; will try again');
      return 0;
    }
  }

  /**
   * Deletes the old entries among these messageless ones. A write repeated long after its first try
   * (a bulk part taken up again) finds its old entry and keeps it; should its message be stored
   * between our read and our delete, the entry is put back, so a stored message always keeps one
   * (AcceptedStore adds the entries again after a repeated write, for the other order).
   */
  private async dropOrphans(messageless: OwedCommand[]): Promise<void> {
    const limit = Date.now() - ORPHAN_AFTER_MS;
    const orphans = messageless.filter((command) => (command.createdAt ?? command.dueAt).getTime() < limit);
    if (orphans.length === 0) return;
    await this.outbox.settle(orphans.map((command) => command.messageId));
    const late = await this.messages.existing(orphans.map((command) => command.messageId));
    if (late.size > 0) await this.outbox.add(orphans.filter((command) => late.has(command.messageId)));
    this.logger.warn({ dropped: orphans.length - late.size }, 'outbox relay dropped entries whose message was never stored');
  }
}
