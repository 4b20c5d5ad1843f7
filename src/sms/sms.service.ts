import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import type { Basis, MessageState } from '../lifecycle/status-log';
import { Actor, isSendable, MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { MessageStatus } from '../lifecycle/message-status';
import { MessagesRepository } from '../messages/messages.repository';
import { MessageIntake } from '../messages/message-intake';
import { laneField, Priority } from '../lanes/priority';
import type { SendSmsCommand } from '../queue/sms-commands';
import { retryDelayMs } from '../queue/sms-topology';
import { hintOf, SendHint, verifiedHint } from '../queue/send-hint';
import { ProjectsService } from '../projects/projects.service';
import { callbackContextParam, eventContextOf } from '../events/callback-context';
import { OptOutsService } from '../opt-outs/opt-outs.service';
import { SendPolicy } from '../policy/send-policy';
import { maskPhone } from './phone';
import { SendPacer, TWILIO_TOO_MANY_REQUESTS } from './send-pacer';
import { isExpired, resolveExpiry, validityPeriodOf } from '../send-timing/expiry';
import { ProviderReceipt, SMS_PROVIDER, SmsProvider, SmsProviderError } from './sms-provider';

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

/** Once a message is stored, what travels on (delay queue, dead letters) is its id (and a signed hint), never the producer's text. */
export type StoredCommand = Required<Pick<SendSmsCommand, 'messageId'>> & Pick<SendSmsCommand, 'requestId' | 'stored' | 'priority'>;

/** A message held for sending: its state as the log says, with what the send needs. */
type Held = Basis & Pick<MessageState, 'to' | 'from' | 'body'>;

/** Twilio: the recipient replied STOP to this sender; it stays blocked on our side too. */
const TWILIO_UNSUBSCRIBED = 21610;

/**
 * Margin past the Twilio timeout after which an attempt that has not ended lost its worker. A
 * worker that finds itself past half of it before calling Twilio (it was stopped) does not call.
 */
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
    private readonly projects: ProjectsService,
  ) {}

  /**
   * One `sms.send` command: a stored message's id, or a producer's message to store first. `lane`:
   * the lane whose queue it came from, its priority unless the command names one.
   */
  async handle(command: SendSmsCommand, lane: Priority = 'normal'): Promise<DeliveryOutcome> {
    const priority = command.priority ?? lane;
    if (command.messageId) {
      const hint = verifiedHint(command.messageId, command.stored, this.config.twilio.authToken);
      const known = hint && {
        id: command.messageId, version: hint.v, attempts: hint.attempts, status: MessageStatus.Queued, to: hint.to, from: hint.from, body: hint.body, pending: [],
        ...(hint.exp === undefined ? {} : { expiresAt: new Date(hint.exp) }), ...(hint.p === undefined ? {} : { projectId: hint.p }),
        ...eventContextOf(hint.ctx),
      };
      return this.deliver(command.messageId, { actor: 'worker', requestId: command.requestId }, known, priority);
    }
    const projectId = await this.projects.producerProject(command.projectId);
    const by: Actor = { actor: 'producer', requestId: command.requestId, projectId };
    const { to = '', body = '', from, metadata, smartEncoding, statusCallback } = command;
    const request = { to, body, from, metadata, smartEncoding, statusCallback, priority };
    const prepared = { ...this.intake.prepare(request, by), expiresAt: resolveExpiry(command, { mayHavePassed: true }) };
    const { message, created } = await this.lifecycle.accept(prepared, by, { producerId: command.producerId });
    if (!created && (message.to !== prepared.to || message.body !== prepared.body)) {
      throw new DomainError('producer_id_conflict', `producerId "${command.producerId}" was already used for another message (${message.id})`, 409);
    }
    // After the store, so a repeated command is not counted twice; a refusal ends the message `blocked`.
    if (created && !(await this.policy.screen(message, by))) return { kind: 'done' };
    return this.deliver(message.id, by, created ? { ...message, pending: [] } : undefined, priority);
  }

  /**
   * Sends one stored message: the blocklist, a pace slot, then the claim right before Twilio, so
   * the claim's time is when the send started. A repeated or stray command loses the claim's fence
   * and sends nothing. Its lane is the one stored with it, else the one its command came by.
   */
  async deliver(messageId: string, by: Actor, known?: Held, lane: Priority = 'normal'): Promise<DeliveryOutcome> {
    const loaded = known ?? (await this.lifecycle.load(messageId));
    if (!loaded) throw new UnknownMessageError(messageId);
    const basis = { ...loaded, priority: loaded.priority ?? lane };
    if (!isSendable(basis)) return this.settleUnclaimable(messageId, by, basis as MessageState);
    if (isExpired(basis)) return this.expire(basis, by);
    if (await this.optOuts.isBlocked(basis.to)) {
      await this.lifecycle.markBlocked(messageId, 'the recipient opted out (STOP) or is on the blocklist', by, basis);
      return { kind: 'done' };
    }
    // Claimed just ahead of the pace slot (the pacer runs it), so the claim's time is the send's start.
    const claimed = await this.pacer.waitForSlot(basis.from, () => this.lifecycle.claim(messageId, by, basis), basis.priority);
    if (!claimed) return this.settleUnclaimable(messageId, by, undefined, basis.priority);
    return this.send({ ...claimed, priority: basis.priority } as Held, by);
  }

  private async send(held: Held, by: Actor, options = { askProviderFirst: false }): Promise<DeliveryOutcome> {
    const log = { messageId: held.id, to: maskPhone(held.to), attempt: held.attempts, requestId: by.requestId };
    try {
      const earlier = options.askProviderFirst || this.lastTryWasAmbiguous(held) ? await this.findOwnSend(held) : null;
      if (!earlier && this.stoppedSinceClaim(held)) {
        this.logger.warn(log, 'stopped between claim and send; leaving the attempt to be settled');
        return this.recheck(held.id, by, this.staleAt(held) - Date.now(), held.priority);
      }
      // Its time may have run out while it waited for its pace slot: never sent late.
      if (!earlier && isExpired(held)) return await this.expire(held, by);
      const validityPeriod = validityPeriodOf(held.expiresAt);
      const receipt = earlier ?? (await this.provider.send({ to: held.to, from: held.from, body: held.body, statusCallback: this.statusCallbackFor(held), validityPeriod }));
      await this.lifecycle.markSent(held, receipt.sid, by);
      this.logger.log({ ...log, twilioSid: receipt.sid, reconciled: Boolean(earlier) }, 'sent');
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof SmsProviderError)) throw error;
      if (error.providerCode === TWILIO_TOO_MANY_REQUESTS) await this.pacer.slowDown(held.from);
      this.logger.warn({ ...log, errorCode: error.providerCode, retryable: error.retryable }, 'send failed');
      return this.handleFailure(held, error, by);
    }
  }

  private async handleFailure(held: Held, error: SmsProviderError, by: Actor): Promise<DeliveryOutcome> {
    const failure = { code: error.providerCode, message: error.message, description: error.description };
    const { maxAttempts } = this.config.retry;
    if (error.retryable && held.attempts < maxAttempts) {
      const delayMs = retryDelayMs(held.attempts, this.config.retry);
      const requeued = await this.lifecycle.scheduleRetry(held, failure, { attempt: held.attempts, delayMs }, by);
      // A retry after an answer Twilio gave carries a hint; after none (a timeout), it reads the message and asks Twilio first.
      const hint = requeued && error.providerCode !== undefined ? this.hintFor({ ...held, ...requeued }) : undefined;
      const command = { messageId: held.id, requestId: by.requestId, ...laneField(held.priority), ...(hint ? { stored: hint } : {}) };
      return requeued ? { kind: 'retry', delayMs, level: held.attempts, command } : { kind: 'done' };
    }
    if (error.providerCode === TWILIO_UNSUBSCRIBED) {
      await this.optOuts.block(held.to, { reason: `Twilio ${TWILIO_UNSUBSCRIBED}: ${error.message}`, source: 'twilio-21610', ...by });
    }
    const gaveUp = error.retryable ? `gave up after ${held.attempts} attempts: ` : '';
    await this.lifecycle.markFailed(held, { ...failure, description: `${gaveUp}${failure.description}` }, by);
    if (!error.retryable) return { kind: 'done' };
    const reason = `${gaveUp}${failure.code ?? 'network'} ${failure.message}`;
    return { kind: 'dead', reason, command: { messageId: held.id, requestId: by.requestId, ...laneField(held.priority) } };
  }

  /** A retry after a failure without Twilio's answer (network, timeout) may find the text already went out. */
  private lastTryWasAmbiguous(held: Held): boolean {
    return held.attempts > 1 && held.errorCode === undefined && held.errorMessage !== undefined;
  }

  /**
   * Twilio's copy of a send whose answer was lost: the earliest one for this number and text made
   * since the attempt whose outcome is unknown started (the one before this attempt), that no
   * message holds: not another message's (two messages with one text to one number must not take
   * each other's SID), nor this one's from an earlier attempt that Twilio reported undelivered.
   */
  private async findOwnSend(held: Held): Promise<ProviderReceipt | null> {
    const starts = (held.history ?? []).filter((change) => change.status === MessageStatus.Sending).map((change) => change.at);
    const since = starts.at(-2) ?? held.createdAt ?? new Date(0);
    for (const candidate of await this.provider.findSent(held, since)) {
      if ((await this.messages.holderOf(candidate.sid)) === null) return candidate;
    }
    return null;
  }

  /** When an attempt that started with this claim counts as abandoned: the Twilio timeout and a margin after it. */
  private staleAt(held: Basis): number {
    const claimedAt = held.pending.at(-1)?.at ?? held.history?.at(-1)?.at ?? new Date();
    return claimedAt.getTime() + this.config.twilio.timeoutMs + STALE_MARGIN_MS;
  }

  /**
   * Past half the margin, a worker taking the message over may already be asking Twilio, and a
   * send made now could cross it: this worker was stopped (SIGSTOP, a long pause) since its claim.
   */
  private stoppedSinceClaim(held: Held): boolean {
    return Date.now() > this.staleAt(held) - this.config.twilio.timeoutMs - STALE_MARGIN_MS / 2;
  }

  /**
   * The claim failed: the message is unknown, already handled, or `sending`. An attempt older than
   * the Twilio timeout has lost its worker: take it over and ask Twilio first; a younger one may
   * still be in a live worker's hands, so look again when it would be stale.
   */
  private async settleUnclaimable(messageId: string, by: Actor, loaded?: MessageState, lane?: Priority): Promise<DeliveryOutcome> {
    const state = loaded ?? (await this.lifecycle.load(messageId));
    if (!state) throw new UnknownMessageError(messageId);
    if (state.status !== MessageStatus.Sending) return { kind: 'done' };
    const priority = state.priority ?? lane;
    if (Date.now() < this.staleAt(state)) return this.recheck(messageId, by, this.staleAt(state) - Date.now(), priority);
    const staleBefore = new Date(Date.now() - this.config.twilio.timeoutMs - STALE_MARGIN_MS);
    const reclaimed = await this.lifecycle.reclaimStale(state, staleBefore, by);
    return reclaimed ? this.send({ ...state, ...reclaimed, priority } as Held, by, { askProviderFirst: true }) : { kind: 'done' };
  }

  private async expire(held: Basis, by: Actor): Promise<DeliveryOutcome> {
    await this.lifecycle.markExpired(held, by);
    return { kind: 'done' };
  }

  private recheck(messageId: string, by: Actor, delayMs: number, priority?: Priority): DeliveryOutcome {
    return { kind: 'retry', delayMs: Math.max(delayMs, 0) + 100, level: 0, command: { messageId, requestId: by.requestId, ...laneField(priority) } };
  }

  /** The hint a command for this stored, queued message carries, so its worker need not read it. */
  private hintFor(message: Basis & Pick<MessageState, 'to' | 'from' | 'body'>): SendHint {
    return hintOf(message, this.config.twilio.authToken, message.version, message.attempts);
  }

  /**
   * The callback URL names the message, the attempt and the version its `sent` makes, so a
   * callback that beats our own write still finds it, a late one for an earlier attempt changes
   * nothing, and a final status is one fenced write pair without a read.
   */
  private statusCallbackFor(held: Held): string {
    const query = new URLSearchParams({
      messageId: held.id, attempt: String(held.attempts), v: String(held.version + 1),
      ...(held.projectId ? { project: held.projectId } : {}), ...callbackContextParam(held),
    });
    return `${this.config.publicBaseUrl}/v1/webhooks/twilio/status?${query}`;
  }
}
