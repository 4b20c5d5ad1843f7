import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { laneField } from '../lanes/priority';
import { SmsQueuePublisher } from '../queue/sms-queue.publisher';
import { OutboxRepository, OwedCommand } from './outbox';

const BACKGROUND_CONFIRM_TIMEOUT_MS = 30_000;

/**
 * Publishes send commands already recorded in the outbox and settles the ones the broker
 * confirmed. A refused publish stops the run and leaves the rest owed: the relay retries them.
 */
@Injectable()
export class CommandDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CommandDispatcher.name);
  private readonly running = new Set<Promise<number>>();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: SmsQueuePublisher,
  ) {}

  /**
   * Publishes go out on one channel in the order they are issued, so `parallel` only decides how
   * many confirms are awaited at once. `background`: not on a request's path, so the broker may
   * take its time to confirm.
   */
  publish(commands: OwedCommand[], options: { parallel?: number; background?: boolean } = {}): Promise<number> {
    const run = this.run(commands, options);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /**
   * Publishes under way finish (confirmed, or left owed) before the broker connection closes:
   * closing it under a publish that is still connecting fails the channel's setup.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async run(commands: OwedCommand[], options: { parallel?: number; background?: boolean }): Promise<number> {
    const parallel = options.parallel ?? 1;
    const timeoutMs = options.background ? BACKGROUND_CONFIRM_TIMEOUT_MS : undefined;
    const confirmed: string[] = [];
    try {
      for (let start = 0; start < commands.length; start += parallel) {
        const chunk = commands.slice(start, start + parallel);
        await Promise.all(chunk.map(async ({ messageId, requestId, stored, priority }) => {
          // The lane picks the queue (LaneRmqClient).
          await this.publisher.publishSend({ messageId, requestId, ...laneField(priority), ...(stored ? { stored } : {}) }, timeoutMs);
          confirmed.push(messageId);
        }));
      }
    } catch (error) {
      this.logger.warn({ err: String(error), published: confirmed.length, owed: commands.length - confirmed.length },
        'publish refused; the outbox relay will publish the rest');
    }
    try {
      await this.outbox.settle(confirmed);
    } catch (error) {
      // Published all the same; the relay publishes them again, which the worker's claim makes harmless.
      this.logger.warn({ err: String(error), published: confirmed.length }, 'published commands not settled; the outbox relay will publish them again');
    }
    return confirmed.length;
  }
}
