import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { MessageRecord } from '../messages/message.record';
import { Actor, MessageLifecycle } from '../messages/message-lifecycle.service';
import { MessageStatus } from '../messages/message-status';
import { MessagesRepository } from '../messages/messages.repository';
import { MessageIntake } from '../messages/message-intake';
import type { SendSmsCommand } from '../queue/sms-commands';
import { retryDelayMs } from '../queue/sms-topology';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { SendPolicy } from '../policy/send-policy';
import { maskPhone } from './phone';
import { SendPacer, TWILIO_TOO_MANY_REQUESTS } from './send-pacer';
import { SMS_PROVIDER, SmsProvider, SmsProviderError } from './sms-provider';

export class UnknownMessageError extends DomainError {
  constructor(id: string) {
    super('unknown_message', `message ${id} does not exist`, 404);
  }
}

/** What the consumer does with the command once the service is done with it. */
export type DeliveryOutcome =
  | { kind: 'done' }
  /** `level` picks the delay queue: the attempt number, or 0 for a re-check that is not an attempt. */
  | { kind: 'retry'; delayMs: number; level: number; command: StoredCommand }
  | { kind: 'dead'; reason: string; command: StoredCommand };

/** Once a message is stored, what travels on (delay queue, dead letters) is its id, never the producer's text again. */
export type StoredCommand = Required<Pick<SendSmsCommand, 'messageId'>> & Pick<SendSmsCommand, 'requestId'>;

/** Twilio: the recipient replied STOP to this sender; it stays blocked on our side too. */
const TWILIO_UNSUBSCRIBED = 21610;

/** Margin past the Twilio timeout after which a message still `sending` has lost its worker. */
const STALE_MARGIN_MS = 5000;

@Injectable()
export class SmsService {
  private readonly logger = new Logger(SmsService.name);

  constructor(
    @Inject(SMS_PROVIDER) private readonly provider: SmsProvider,
    private readonly lifecycle: MessageLifecycle,
    private readonly messages: MessagesRepository,
    private readonly intake: MessageIntake,
    private readonly optOuts: OptOutsService,
    private readonly config: AppConfig,
    private readonly pacer: SendPacer,
    private readonly policy: SendPolicy,
  ) {}

  /** One `sms.send` command: a stored message's id, or a producer's message to store first. */
  async handle(command: SendSmsCommand): Promise<DeliveryOutcome> {
    if (command.messageId) return this.deliver(command.messageId, { actor: 'worker', requestId: command.requestId });
    const by: Actor = { actor: 'producer', requestId: command.requestId };
    const request = { to: command.to ?? '', body: command.body ?? '', from: command.from, metadata: command.metadata };
    const prepared = this.intake.prepare(request, by);
    const { message, created } = await this.lifecycle.accept(prepared, by, {
      producerId: command.producerId,
    });
    if (!created && (message.to !== prepared.to || message.body !== prepared.body)) {
      throw new DomainError('producer_id_conflict', `producerId "${command.producerId}" was already used for another message (${message.id})`, 409);
    }
    // After the store, so a repeated command is not counted twice; a refusal ends the message `blocked`.
    if (created && !(await this.policy.screen(message, by))) return { kind: 'done' };
    return this.deliver(message.id, by);
  }

  /**
   * Sends one stored message. The claim means a redelivered or duplicated command finds the
   * message no longer `queued` and sends nothing.
   */
  async deliver(messageId: string, by: Actor): Promise<DeliveryOutcome> {
    const message = await this.lifecycle.claim(messageId, by);
    return message ? this.send(message, by) : this.settleUnclaimable(messageId, by);
  }

  private async send(message: MessageRecord, by: Actor, options = { askProviderFirst: false }): Promise<DeliveryOutcome> {
    const log = { messageId: message.id, to: maskPhone(message.to), attempt: message.attempts, requestId: by.requestId };
    try {
      const earlier = options.askProviderFirst || this.lastTryWasAmbiguous(message)
        ? await this.provider.findSent(message, message.createdAt)
        : null;
      // Checked here, just before Twilio, so every path (REST, producers, retries, replays) obeys it.
      if (!earlier && (await this.optOuts.isBlocked(message.to))) {
        await this.lifecycle.markBlocked(message.id, 'the recipient opted out (STOP) or is on the blocklist', by);
        return { kind: 'done' };
      }
      if (!earlier) await this.pacer.waitForSlot(message.from);
      const receipt = earlier ?? (await this.provider.send({
        to: message.to, from: message.from, body: message.body, statusCallback: this.statusCallbackFor(message.id),
      }));
      await this.lifecycle.markSent(message.id, receipt.sid, by);
      this.logger.log({ ...log, twilioSid: receipt.sid, reconciled: Boolean(earlier) }, 'sent');
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof SmsProviderError)) throw error;
      if (error.providerCode === TWILIO_TOO_MANY_REQUESTS) await this.pacer.slowDown(message.from);
      this.logger.warn({ ...log, errorCode: error.providerCode, retryable: error.retryable }, 'send failed');
      return this.handleFailure(message, error, by);
    }
  }

  private async handleFailure(message: MessageRecord, error: SmsProviderError, by: Actor): Promise<DeliveryOutcome> {
    const failure = { code: error.providerCode, message: error.message, description: error.description };
    const { maxAttempts } = this.config.retry;
    if (error.retryable && message.attempts < maxAttempts) {
      const delayMs = retryDelayMs(message.attempts, this.config.retry);
      const requeued = await this.lifecycle.scheduleRetry(message.id, failure, { attempt: message.attempts, delayMs }, by);
      const command = { messageId: message.id, requestId: by.requestId };
      return requeued ? { kind: 'retry', delayMs, level: message.attempts, command } : { kind: 'done' };
    }
    if (error.providerCode === TWILIO_UNSUBSCRIBED) {
      await this.optOuts.block(message.to, { reason: `Twilio ${TWILIO_UNSUBSCRIBED}: ${error.message}`, source: 'twilio-21610', ...by });
    }
    const gaveUp = error.retryable ? `gave up after ${message.attempts} attempts: ` : '';
    await this.lifecycle.markFailed(message.id, { ...failure, description: `${gaveUp}${failure.description}` }, by);
    if (!error.retryable) return { kind: 'done' };
    const reason = `${gaveUp}${failure.code ?? 'network'} ${failure.message}`;
    return { kind: 'dead', reason, command: { messageId: message.id, requestId: by.requestId } };
  }

  /** A retry after a failure without Twilio's answer (network, timeout) may find the text already went out. */
  private lastTryWasAmbiguous(message: MessageRecord): boolean {
    return message.attempts > 1 && message.errorCode === undefined && message.errorMessage !== undefined;
  }

  /**
   * The claim failed: the message is unknown, already handled, or `sending`. A `sending` message
   * whose last change is older than a Twilio timeout has lost its worker: settle it with Twilio,
   * then take it over; a younger one may still be in a live worker's hands, so look again later.
   */
  private async settleUnclaimable(messageId: string, by: Actor): Promise<DeliveryOutcome> {
    const existing = await this.messages.findById(messageId);
    if (!existing) throw new UnknownMessageError(messageId);
    if (existing.status !== MessageStatus.Sending) return { kind: 'done' };
    const lastChange = existing.history.at(-1)?.at ?? existing.updatedAt;
    const staleAt = lastChange.getTime() + this.config.twilio.timeoutMs + STALE_MARGIN_MS;
    if (Date.now() < staleAt) {
      return { kind: 'retry', delayMs: staleAt - Date.now() + 100, level: 0, command: { messageId, requestId: by.requestId } };
    }
    const staleBefore = new Date(Date.now() - this.config.twilio.timeoutMs - STALE_MARGIN_MS);
    const reclaimed = await this.lifecycle.reclaimStale(messageId, staleBefore, by);
    return reclaimed ? this.send(reclaimed, by, { askProviderFirst: true }) : { kind: 'done' };
  }

  /** The message id travels in the callback URL, so a callback that beats our own write still finds it. */
  private statusCallbackFor(messageId: string): string {
    return `${this.config.publicBaseUrl}/v1/webhooks/twilio/status?messageId=${messageId}`;
  }
}
