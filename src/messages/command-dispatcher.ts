import { Injectable, Logger } from '@nestjs/common';
import { SmsQueuePublisher } from '../queue/sms-queue.publisher';
import { OutboxRepository, OwedCommand } from './outbox';

/**
 * Publishes send commands already recorded in the outbox and settles the ones the broker
 * confirmed. A refused publish stops the run and leaves the rest owed: the relay retries them.
 */
@Injectable()
export class CommandDispatcher {
  private readonly logger = new Logger(CommandDispatcher.name);

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: SmsQueuePublisher,
  ) {}

  /** `parallel` > 1 trades strict order for speed (bulk); 1 keeps the order given. */
  async publish(commands: OwedCommand[], parallel = 1): Promise<number> {
    const confirmed: string[] = [];
    try {
      for (let start = 0; start < commands.length; start += parallel) {
        const chunk = commands.slice(start, start + parallel);
        await Promise.all(chunk.map(async ({ messageId, requestId }) => {
          await this.publisher.publishSend({ messageId, requestId });
          confirmed.push(messageId);
        }));
      }
    } catch (error) {
      this.logger.warn({ err: String(error), published: confirmed.length, owed: commands.length - confirmed.length },
        'publish refused; the outbox relay will publish the rest');
    } finally {
      await this.outbox.settle(confirmed);
    }
    return confirmed.length;
  }
}
