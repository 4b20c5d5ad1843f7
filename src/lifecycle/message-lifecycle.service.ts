import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { ChangeFields } from './logged-change';
import { Basis, Change, MessageState, StatusLog } from './status-log';
import { retryDelayMs } from '../queue/sms-topology';
import { maskPhone } from '../sms/phone';
import { isRetryableTwilioError } from '../sms/twilio-errors';
import { MessageStatus, takesReport } from './message-status';
import { MessageRecord, NewMessage, ProviderFailure } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { OutboxRepository } from '../outbox/outbox';
import { isExpired } from '../send-timing/expiry';

export interface Actor {
  actor: string;
  requestId?: string;
  /** The caller's project, for the audit entries it causes (a message's own entries name the message's). */
  projectId?: string;
}

/** What Twilio reported on a message: a callback (which names its attempt and the version to expect) or a fetch. */
export interface Report {
  twilioSid: string;
  failure?: ProviderFailure;
  /** The attempt the report is about (from the callback URL). */
  attempt?: number;
  /** The version the message has once that attempt's `sent` is recorded (from the callback URL). */
  version?: number;
  /** The message's project (from the callback URL), carried into the audit entry. */
  projectId?: string;
  /** What the message's events say of it (from the callback URL), so its event needs no read. */
  context?: Pick<MessageRecord, 'segments'> & Partial<Pick<MessageRecord, 'producerId' | 'metadata' | 'statusCallback' | 'createdAt'>>;
}

/**
 * A callback that names its version may have raced the worker's own `sent` write: the sandbox (and
 * Twilio, for a fast carrier) calls back `delivered` ~50 ms after answering the create, while the
 * worker is still writing the answer (a fence insert and a projection). Projecting only after this
 * pause, the callback finds the document caught up instead of missing and trying again (each miss
 * is one more store request; docs/send-path.md). Twilio only waits a little longer for the 204.
 */
const REPORT_PROJECT_PAUSE_MS = 100;

/** A scheduled message becomes sendable at its time; the relay publishes it then, a stray early command waits. */
export function isSendable(message: Pick<MessageRecord, 'status' | 'sendAt'>): boolean {
  if (message.status === MessageStatus.Queued) return true;
  return message.status === MessageStatus.Scheduled && (message.sendAt?.getTime() ?? 0) <= Date.now() + 1000;
}

/** The last failure replaces the previous one whole: a network error has no code and must not keep the last one's. */
function failureFields(failure?: ProviderFailure): ChangeFields {
  return { errorCode: failure?.code, errorMessage: failure?.message, errorDescription: failure?.description };
}

/** Whether `current` is still in the attempt `held` was about, in one of `statuses`. */
function isAttemptOf(current: Basis, held: Basis, statuses: MessageStatus[]): boolean {
  return statuses.includes(current.status) && current.attempts === held.attempts;
}

/** A report on an attempt applies while that attempt is the message's own, in flight or taken by Twilio. */
function reportApplies(current: Basis, status: MessageStatus, report: Report): boolean {
  if (current.status !== MessageStatus.Sending && current.status !== MessageStatus.Sent) return false;
  if (report.attempt !== undefined && current.attempts !== report.attempt) return false;
  if (current.twilioSid && current.twilioSid !== report.twilioSid) return false;
  return takesReport(current.status, status);
}

/**
 * Every status change of a message, each decided on the state it follows and recorded with its
 * audit entry as one logged change (StatusLog: the fence and the projection). The worker, the
 * webhooks, the reconciler and the API all change messages through here.
 */
@Injectable()
export class MessageLifecycle {
  constructor(
    private readonly log: StatusLog,
    private readonly repository: MessagesRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
    private readonly config: AppConfig,
  ) {}

  /** Stores a new message and audits its acceptance; a repeated producerId returns the first one. */
  async accept(message: NewMessage, by: Actor, options: { producerId?: string } = {}): Promise<{ message: MessageRecord; created: boolean }> {
    const result = options.producerId
      ? await this.repository.createOnce({ ...message, producerId: options.producerId })
      : { message: await this.repository.create(message), created: true };
    if (result.created) {
      const { id, to, segments, encoding } = result.message;
      await this.audit.record({ ...by, projectId: result.message.projectId, action: AuditAction.MessageAccepted, messageId: id, details: { to: maskPhone(to), segments, encoding } });
    }
    return result;
  }

  /** The message as its log says it is now. */
  load(id: string): Promise<MessageState | null> {
    return this.log.load(id);
  }

  /**
   * Takes a sendable message for one attempt: logged now, right before Twilio is called, and
   * projected with the attempt's outcome. Null when another writer changed it first.
   */
  claim<S extends Basis>(id: string, by: Actor, known?: S): Promise<S | MessageState | null> {
    return this.log.change(id, (current) => {
      if (!isSendable(current)) return null;
      const attempt = current.attempts + 1;
      return { status: MessageStatus.Sending, fields: { attempts: attempt }, audit: this.statusChanged(by, current, MessageStatus.Sending, { attempt }) };
    }, { known, defer: true });
  }

  markSent(held: Basis, twilioSid: string, by: Actor): Promise<Basis | null> {
    return this.log.change(held.id, (current) => current.status !== MessageStatus.Sending ? null : {
      status: MessageStatus.Sent, fields: { twilioSid, ...failureFields() }, audit: this.statusChanged(by, current, MessageStatus.Sent, { twilioSid }),
    }, { known: held });
  }

  async markBlocked(id: string, reason: string, by: Actor, known?: Basis): Promise<void> {
    await this.log.change(id, (current) => [MessageStatus.Queued, MessageStatus.Scheduled, MessageStatus.Sending].includes(current.status) ? {
      status: MessageStatus.Blocked, detail: reason, audit: { ...by, action: AuditAction.MessageBlocked, details: { reason } },
    } : null, { known });
  }

  /**
   * A message whose time ran out before it was handed to Twilio: waiting (queued, scheduled), or
   * claimed by the worker that finds it expired right before the call (`held`'s own attempt only).
   */
  async markExpired(held: Basis, by: Actor): Promise<boolean> {
    const changed = await this.log.change(held.id, (current) => {
      const waiting = [MessageStatus.Queued, MessageStatus.Scheduled].includes(current.status);
      if (!(waiting || isAttemptOf(current, held, [MessageStatus.Sending])) || !isExpired(current)) return null;
      const expiresAt = current.expiresAt!.toISOString();
      return {
        status: MessageStatus.Expired, detail: `not handed to Twilio before it expired at ${expiresAt}`,
        audit: { ...by, action: AuditAction.MessageExpired, details: { expiresAt, from: current.status } },
      };
    }, { known: held });
    return changed !== null;
  }

  /** The worker's own attempt failed for good; an attempt another worker has taken over since is not this one to end. */
  async markFailed(held: Basis, failure: ProviderFailure, by: Actor): Promise<void> {
    await this.log.change(held.id, (current) => !isAttemptOf(current, held, [MessageStatus.Sending]) ? null : {
      status: MessageStatus.Failed, fields: failureFields(failure), detail: failure.description,
      audit: { ...by, action: AuditAction.MessageFailed, details: { errorCode: failure.code, errorMessage: failure.message, description: failure.description } },
    }, { known: held });
  }

  /**
   * A transient failure: back to `queued` for another attempt, the one move against the
   * lifecycle's order. Only for the attempt that failed: the worker's own (`sending`), or one
   * Twilio reported on (`sent` too); a stopped worker's late timeout never moves an attempt that
   * another worker took over since.
   */
  scheduleRetry(
    held: Basis, failure: ProviderFailure, retry: { attempt: number; delayMs: number }, by: Actor, from = [MessageStatus.Sending],
  ): Promise<Basis | null> {
    const detail = `attempt ${retry.attempt} failed (${failure.code ?? 'network'}: ${failure.message}); retrying in ${Math.round(retry.delayMs / 100) / 10}s`;
    return this.log.change(held.id, (current) => !isAttemptOf(current, held, from) ? null : {
      status: MessageStatus.Queued, fields: failureFields(failure), detail,
      audit: { ...by, action: AuditAction.MessageRetryScheduled, details: { attempt: retry.attempt, delayMs: retry.delayMs, errorCode: failure.code, errorMessage: failure.message } },
    }, { known: held });
  }

  /** A message whose attempt started before `staleBefore` and never ended: its worker stopped; take it over. */
  reclaimStale(state: MessageState, staleBefore: Date, by: Actor): Promise<Basis | null> {
    return this.log.change(state.id, (current) => {
      const since = current.history?.at(-1)?.at ?? current.updatedAt ?? new Date();
      if (current.status !== MessageStatus.Sending || since >= staleBefore) return null;
      return {
        status: MessageStatus.Sending, fields: { attempts: current.attempts + 1 }, detail: 'taken over from a worker that stopped mid-send',
        audit: { ...by, action: AuditAction.MessageReclaimed, details: { attempt: current.attempts + 1 } },
      };
    }, { known: state, defer: true });
  }

  /** Replay of a dead-lettered send: a failed message gets a fresh set of attempts. */
  async requeueFailed(id: string, by: Actor): Promise<MessageRecord | null> {
    const requeued = await this.log.change(id, (current) => current.status !== MessageStatus.Failed ? null : {
      status: MessageStatus.Queued, fields: { attempts: 0 }, detail: 'replayed from the dead-letter queue', audit: { ...by, action: AuditAction.MessageReplayed },
    });
    return requeued as MessageRecord | null;
  }

  async cancel(id: string, by: Actor): Promise<MessageRecord | null> {
    const canceled = await this.log.change(id, (current) => ![MessageStatus.Queued, MessageStatus.Scheduled].includes(current.status) ? null : {
      status: MessageStatus.Canceled, detail: 'canceled on request', audit: this.statusChanged(by, current, MessageStatus.Canceled, {}),
    });
    return canceled as MessageRecord | null;
  }

  /**
   * A status reported by Twilio; applied only to the attempt it reports on, and only forward. A
   * callback that says which version to expect is one fenced write pair, without a read.
   */
  async applyReported(id: string, status: MessageStatus, report: Report, by: Actor): Promise<Basis | null> {
    const { failure } = report;
    if (failure && isRetryableTwilioError(failure.code) && [MessageStatus.Undelivered, MessageStatus.Failed].includes(status)) {
      const retried = await this.retryReported(id, report, by);
      if (retried !== undefined) return retried;
    }
    const known = report.version !== undefined && report.attempt !== undefined
      ? { id, version: report.version, status: MessageStatus.Sent, attempts: report.attempt, twilioSid: report.twilioSid, projectId: report.projectId, pending: [], ...report.context }
      : undefined;
    return this.log.change(id, (current) => !reportApplies(current, status, report) ? null : {
      status, fields: { twilioSid: report.twilioSid, ...(failure ? failureFields(failure) : {}) }, detail: failure?.description,
      audit: this.statusChanged(by, current, status, { twilioSid: report.twilioSid }),
    }, known ? { known, projectAfterMs: REPORT_PROJECT_PAUSE_MS } : {});
  }

  /**
   * Twilio may report a transient failure (30001 queue overflow, 30008 unknown) after it took the
   * message. While attempts remain, the message goes back to `queued` and its command into the
   * outbox, due after the backoff: the API's relay publishes it then. Undefined: no retry is due
   * (attempts used up), so the report applies as a final status.
   */
  private async retryReported(id: string, report: Report, by: Actor): Promise<Basis | null | undefined> {
    const current = await this.log.load(id);
    if (!current || !reportApplies(current, MessageStatus.Undelivered, report)) return null;
    if (current.attempts >= this.config.retry.maxAttempts) return undefined;
    const delayMs = retryDelayMs(current.attempts, this.config.retry);
    const requeued = await this.scheduleRetry(current, report.failure!, { attempt: current.attempts, delayMs }, by, [MessageStatus.Sending, MessageStatus.Sent]);
    if (requeued) await this.outbox.add([{ messageId: id, dueAt: new Date(Date.now() + delayMs), requestId: by.requestId, priority: current.priority }]);
    return requeued;
  }

  private statusChanged(by: Actor, current: Basis, to: MessageStatus, details: Record<string, unknown>): Change['audit'] {
    return { ...by, action: AuditAction.MessageStatusChanged, details: { from: current.status, to, ...details } };
  }
}
