import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import type { Channel, ConsumeMessage } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/domain-error';
import { validatePayload } from '../common/validation';
import { SendSmsCommand, SmsPattern, UnprocessableCommand } from '../queue/sms-commands';
import { DeadLetters } from './dead-letters';
import { SmsService } from './sms.service';

/** Pause before handing back a command that failed for an infrastructure reason (e.g. MongoDB down). */
const REQUEUE_DELAY_MS = 1000;

/** Thin handlers: payload → validated command → one service call → explicit ack, park or requeue. */
@Controller()
export class SmsController {
  private readonly logger = new Logger(SmsController.name);

  constructor(
    private readonly sms: SmsService,
    private readonly deadLetters: DeadLetters,
  ) {}

  @EventPattern(SmsPattern.Send)
  async send(@Payload() payload: unknown, @Ctx() context: RmqContext): Promise<void> {
    await this.settle(context, async () => this.sms.deliver(await validatePayload(SendSmsCommand, payload)));
  }

  @EventPattern(SmsPattern.Unprocessable)
  async unprocessable(@Payload() payload: UnprocessableCommand, @Ctx() context: RmqContext): Promise<void> {
    await this.deadLetters.park(context, payload.reason);
  }

  private async settle(context: RmqContext, work: () => Promise<void>): Promise<void> {
    const channel = context.getChannelRef() as Channel;
    const message = context.getMessage() as ConsumeMessage;
    try {
      await work();
      channel.ack(message);
    } catch (error) {
      if (error instanceof DomainError) {
        await this.deadLetters.park(context, error.message);
        return;
      }
      this.logger.error({ err: error }, 'command failed; requeueing it');
      await sleep(REQUEUE_DELAY_MS);
      channel.nack(message, false, true);
    }
  }
}
