import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SmsQueuePublisher } from '../queue/sms-queue.publisher';
import { MessagesRepository } from './messages.repository';

const BATCH = 200;

/**
 * Publishes the send commands the broker never confirmed (it was down, or the API stopped right
 * after storing), oldest first. A message is only picked up once it is older than two intervals,
 * so the normal path's own publish is not raced; a duplicate publish would be harmless anyway,
 * because the worker's claim sends a message once.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly repository: MessagesRepository,
    private readonly publisher: SmsQueuePublisher,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.relayOnce(), this.config.outboxRelayIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many commands it published; stops at the first publish the broker refuses. */
  async relayOnce(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let published = 0;
    try {
      const acceptedBefore = new Date(Date.now() - 2 * this.config.outboxRelayIntervalMs);
      for (const message of await this.repository.findUndispatched(acceptedBefore, BATCH)) {
        await this.publisher.publishSend({ messageId: message.id, requestId: message.requestId });
        await this.repository.markPublished(message.id);
        published += 1;
      }
    } catch (error) {
      this.logger.warn({ err: String(error), published }, 'outbox relay paused; will try again');
    } finally {
      this.running = false;
    }
    if (published > 0) this.logger.log({ published }, 'outbox relay published pending commands');
    return published;
  }
}
