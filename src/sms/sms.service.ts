import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { Actor, MessageLifecycle } from '../messages/message-lifecycle.service';
import { MessagesRepository } from '../messages/messages.repository';
import type { SendSmsCommand } from '../queue/sms-commands';
import { maskPhone } from './phone';
import { SMS_PROVIDER, SmsProvider, SmsProviderError } from './sms-provider';

export class UnknownMessageError extends DomainError {
  constructor(id: string) {
    super('unknown_message', `message ${id} does not exist`, 404);
  }
}

@Injectable()
export class SmsService {
  private readonly logger = new Logger(SmsService.name);

  constructor(
    @Inject(SMS_PROVIDER) private readonly provider: SmsProvider,
    private readonly lifecycle: MessageLifecycle,
    private readonly messages: MessagesRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * Sends one stored message. The atomic claim means a redelivered or duplicated command finds
   * the message no longer `queued` and sends nothing.
   */
  async deliver(command: SendSmsCommand): Promise<void> {
    const by: Actor = { actor: 'worker', requestId: command.requestId };
    const message = await this.lifecycle.claim(command.messageId, by);
    if (!message) return this.skip(command.messageId);
    const log = { messageId: message.id, to: maskPhone(message.to), requestId: command.requestId };
    try {
      const receipt = await this.provider.send({
        to: message.to,
        from: message.from,
        body: message.body,
        statusCallback: this.statusCallbackFor(message.id),
      });
      await this.lifecycle.markSent(message.id, receipt.sid, by);
      this.logger.log({ ...log, twilioSid: receipt.sid }, 'sent');
    } catch (error) {
      if (!(error instanceof SmsProviderError)) throw error;
      const failure = { code: error.providerCode, message: error.message, description: error.description };
      await this.lifecycle.markFailed(message.id, failure, by);
      this.logger.warn({ ...log, errorCode: error.providerCode, retryable: error.retryable }, 'send failed');
    }
  }

  /** The message id travels in the callback URL, so a callback that beats our own write still finds it. */
  private statusCallbackFor(messageId: string): string {
    return `${this.config.publicBaseUrl}/v1/webhooks/twilio/status?messageId=${messageId}`;
  }

  private async skip(messageId: string): Promise<void> {
    const existing = await this.messages.findById(messageId);
    if (!existing) throw new UnknownMessageError(messageId);
    this.logger.log({ messageId, status: existing.status }, 'command for a message already taken; acked without sending');
  }
}
