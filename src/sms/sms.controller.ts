import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/domain-error';
import { validatePayload } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { SendSmsCommand, SmsPattern, UnprocessableCommand } from '../queue/sms-commands';
import { retryQueueName } from '../queue/sms-topology';
import { ConsumerDrain } from './consumer-drain';
import { DeadLetters } from './dead-letters';
import { storedCommandContent } from './dead-letters';
import { DeliveryOutcome, SmsService, StoredCommand } from './sms.service';

/** Pause before handing back a command that failed for an infrastructure reason (e.g. MongoDB down). */
const REQUEUE_DELAY_MS = 1000;

/** Thin handlers: payload → validated command → one service call → ack, delay, park or requeue. */
@Controller()
export class SmsController {
  private readonly logger = new Logger(SmsController.name);

  constructor(
    private readonly sms: SmsService,
    private readonly deadLetters: DeadLetters,
    private readonly drain: ConsumerDrain,
    private readonly config: AppConfig,
  ) {}

  @EventPattern(SmsPattern.Send)
  async send(@Payload() payload: unknown, @Ctx() context: RmqContext): Promise<void> {
    const channel = context.getChannelRef() as ConfirmChannel;
    await this.drain.track(channel, async () => {
      try {
        const outcome = await this.sms.handle(await validatePayload(SendSmsCommand, payload));
        await this.settle(context, outcome);
      } catch (error) {
        await this.fail(context, error);
      }
    });
  }

  @EventPattern(SmsPattern.Unprocessable)
  async unprocessable(@Payload() payload: UnprocessableCommand, @Ctx() context: RmqContext): Promise<void> {
    await this.deadLetters.park(context, payload.reason, payload.command);
  }

  private async settle(context: RmqContext, outcome: DeliveryOutcome): Promise<void> {
    const channel = context.getChannelRef() as ConfirmChannel;
    const message = context.getMessage() as ConsumeMessage;
    if (outcome.kind === 'dead') return this.deadLetters.park(context, outcome.reason, outcome.command);
    if (outcome.kind === 'retry') await this.delay(channel, message, outcome);
    channel.ack(message);
  }

  /** The command waits in a delay queue and dead-letters back into the SMS queue when it expires. */
  private async delay(channel: ConfirmChannel, message: ConsumeMessage, outcome: { delayMs: number; level: number; command: StoredCommand }) {
    const queue = retryQueueName(this.config.rabbit, Math.min(outcome.level, this.config.retry.maxAttempts - 1));
    const options = { persistent: true, headers: message.properties.headers, expiration: String(Math.max(1, Math.round(outcome.delayMs))) };
    await new Promise<void>((resolve, reject) =>
      channel.sendToQueue(queue, storedCommandContent(outcome.command), options, (error?: unknown) => (error ? reject(error) : resolve())),
    );
  }

  private async fail(context: RmqContext, error: unknown): Promise<void> {
    if (error instanceof DomainError) return this.deadLetters.park(context, error.message);
    this.logger.error({ err: error }, 'command failed; requeueing it');
    await sleep(REQUEUE_DELAY_MS);
    (context.getChannelRef() as Channel).nack(context.getMessage() as ConsumeMessage, false, true);
  }
}
