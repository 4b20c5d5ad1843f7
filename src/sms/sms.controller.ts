import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { validatePayload } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { SendSmsCommand, SmsPattern, UnprocessableCommand } from '../queue/sms-commands';
import type { Priority } from '../lanes/priority';
import { retryQueueName } from '../queue/sms-topology';
import { CommandFailures, FAILURES_HEADER, FailureOutcome } from './command-failures';
import { ConsumerDrain } from './consumer-drain';
import { DeadLetters, storedCommandContent } from './dead-letters';
import { Delivery } from './delivery';
import { DeliveryOutcome, SmsService } from './sms.service';

/** Pause before handing back a command nothing could be done with (its copy could not even be published). */
const REQUEUE_DELAY_MS = 1000;

type Outcome = DeliveryOutcome | FailureOutcome;

/** Thin handlers: payload → validated command → one service call → one settlement (ack, delay, park). */
@Controller()
export class SmsController {
  private readonly logger = new Logger(SmsController.name);

  constructor(
    private readonly sms: SmsService,
    private readonly deadLetters: DeadLetters,
    private readonly failures: CommandFailures,
    private readonly drain: ConsumerDrain,
    private readonly config: AppConfig,
  ) {}

  @EventPattern(SmsPattern.Send)
  async send(@Payload() payload: unknown, @Ctx() context: RmqContext): Promise<void> {
    const delivery = new Delivery(context);
    await this.drain.track(delivery.channel, async () => this.settle(delivery, await this.outcomeOf(payload, delivery)));
  }

  @EventPattern(SmsPattern.Unprocessable)
  async unprocessable(@Payload() payload: UnprocessableCommand, @Ctx() context: RmqContext): Promise<void> {
    const delivery = new Delivery(context);
    await this.drain.track(delivery.channel, () => this.settle(delivery, { kind: 'dead', reason: payload.reason, command: payload.command }));
  }

  private async outcomeOf(payload: unknown, delivery: Delivery): Promise<Outcome> {
    try {
      return await this.sms.handle(await validatePayload(SendSmsCommand, payload), delivery.lane);
    } catch (error) {
      const outcome = this.failures.outcomeOf(error, delivery.headers);
      this.logger.error({ err: error, outcome: outcome.kind, failures: outcome.kind === 'again' ? outcome.failures : undefined }, 'command failed');
      return outcome;
    }
  }

  /** The one place a delivery is settled. A failure here settled nothing: hand it back, once. */
  private async settle(delivery: Delivery, outcome: Outcome): Promise<void> {
    try {
      if (outcome.kind === 'done') return delivery.ack();
      if (outcome.kind === 'dead') return await this.deadLetters.park(delivery, outcome.reason, 'command' in outcome ? outcome.command : undefined);
      if (outcome.kind === 'retry') {
        return await this.delay(delivery, outcome, outcome.command.priority ?? 'normal', storedCommandContent(outcome.command), delivery.headers);
      }
      // The command as it came, so back into the lane it came from.
      return await this.delay(delivery, outcome, delivery.lane, delivery.message.content, { ...delivery.headers, [FAILURES_HEADER]: outcome.failures });
    } catch (error) {
      this.logger.error({ err: error }, 'could not settle the command; handing it back');
      if (delivery.settled) return;
      await sleep(REQUEUE_DELAY_MS);
      delivery.requeue();
    }
  }

  /** The command waits in its lane's delay queue and dead-letters back into the lane's queue when it expires; then the original is acked. */
  private async delay(delivery: Delivery, wait: { delayMs: number; level: number }, lane: Priority, content: Buffer, headers: Record<string, unknown>) {
    const queue = retryQueueName(this.config.rabbit, Math.min(wait.level, Math.max(this.config.retry.maxAttempts, 2) - 1), lane);
    await delivery.publish(queue, content, { headers, expiration: String(Math.max(1, Math.round(wait.delayMs))) });
    delivery.ack();
  }
}
