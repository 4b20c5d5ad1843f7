import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { isFinal, MessageStatus, takesReport } from './message-status';
import { MessageRecord, NewMessage, ProviderFailure } from './message.record';
import { maskPhone } from '../sms/phone';
import { isRetryableTwilioError } from '../sms/twilio-errors';
import { AppConfig } from '../config/app-config';
import { retryDelayMs } from '../queue/sms-topology';
import { OutboxRepository } from './outbox';
import { MessagesRepository } from './messages.repository';

export interface Actor {
  actor: string;
  requestId?: string;
}

/**
 * Every status change of a message, each paired with its audit entry. The worker and the Twilio
 * webhooks both go through here, so the history and the audit log can't drift apart.
 */
@Injectable()
export class MessageLifecycle {
  constructor(
    private readonly repository: MessagesRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxRepository,
    private readonly config: AppConfig,
  ) {}

  /** Stores a new message and audits its acceptance; a repeated producerId returns the first one. */
  async accept(
    message: NewMessage,
    by: Actor,
    options: { producerId?: string } = {},
  ): Promise<{ message: MessageRecord; created: boolean }> {
    const result = options.producerId
      ? await this.repository.createOnce({ ...message, producerId: options.producerId })
      : { message: await this.repository.create(message), created: true };
    if (result.created) {
      const { id, to, segments, encoding } = result.message;
      await this.audit.record({
        ...by, action: AuditAction.MessageAccepted, messageId: id, details: { to: maskPhone(to), segments, encoding },
      });
    }
    return result;
  }

  async cancel(id: string, by: Actor): Promise<MessageRecord | null> {
    const canceled = await this.repository.cancel(id);
    if (canceled) await this.changed(canceled, by, {});
    return canceled;
  }

  async claim(id: string, by: Actor): Promise<MessageRecord | null> {
    const claimed = await this.repository.claimForSending(id);
    if (claimed) await this.changed(claimed, by, { attempt: claimed.attempts });
    return claimed;
  }

  async markSent(id: string, twilioSid: string, by: Actor): Promise<void> {
    const sent = await this.repository.recordSent(id, twilioSid);
    if (sent) await this.changed(sent, by, { twilioSid });
  }

  async markBlocked(id: string, reason: string, by: Actor): Promise<void> {
    const blocked = await this.repository.advance(id, MessageStatus.Blocked, { detail: reason, likelyFrom: MessageStatus.Sending });
    if (blocked) await this.audit.record({ ...by, action: AuditAction.MessageBlocked, messageId: id, details: { reason } });
  }

  async markFailed(id: string, failure: ProviderFailure, by: Actor): Promise<void> {
    const failed = await this.repository.recordFailure(id, failure);
    if (!failed) return;
    await this.audit.record({
      ...by, action: AuditAction.MessageFailed, messageId: id,
      details: { errorCode: failure.code, errorMessage: failure.message, description: failure.description },
    });
  }

  async scheduleRetry(id: string, failure: ProviderFailure, retry: { attempt: number; delayMs: number }, by: Actor): Promise<boolean> {
    const detail = `attempt ${retry.attempt} failed (${failure.code ?? 'network'}: ${failure.message}); retrying in ${Math.round(retry.delayMs / 100) / 10}s`;
    const requeued = await this.repository.requeueForRetry(id, failure, detail);
    if (!requeued) return false;
    await this.audit.record({
      ...by, action: AuditAction.MessageRetryScheduled, messageId: id,
      details: { attempt: retry.attempt, delayMs: retry.delayMs, errorCode: failure.code, errorMessage: failure.message },
    });
    return true;
  }

  async reclaimStale(id: string, staleBefore: Date, by: Actor): Promise<MessageRecord | null> {
    const reclaimed = await this.repository.reclaimStale(id, staleBefore);
    if (reclaimed) {
      await this.audit.record({ ...by, action: AuditAction.MessageReclaimed, messageId: id, details: { attempt: reclaimed.attempts } });
    }
    return reclaimed;
  }

  async requeueFailed(id: string, by: Actor): Promise<MessageRecord | null> {
    const requeued = await this.repository.requeueFailed(id, 'replayed from the dead-letter queue');
    if (requeued) await this.audit.record({ ...by, action: AuditAction.MessageReplayed, messageId: id });
    return requeued;
  }

  /** A status reported by Twilio; applied only if it moves the message forward (takesReport). */
  async applyReported(
    id: string,
    status: MessageStatus,
    report: { twilioSid: string; failure?: ProviderFailure },
    by: Actor,
  ): Promise<MessageRecord | null> {
    if (await this.retryReported(id, status, report, by)) return this.repository.findById(id);
    const fields = {
      twilioSid: report.twilioSid,
      ...(report.failure
        ? { errorCode: report.failure.code, errorMessage: report.failure.message, errorDescription: report.failure.description }
        : {}),
    };
    // A final status usually reports on a message already `sent`.
    const updated = await this.repository.advance(id, status, {
      fields, detail: report.failure?.description, moves: takesReport, likelyFrom: isFinal(status) ? MessageStatus.Sent : undefined,
    });
    if (updated) await this.changed(updated, by, { twilioSid: report.twilioSid });
    return updated;
  }

  /**
   * Twilio may report a transient failure (30001 queue overflow, 30008 unknown) after it took the
   * message. While attempts remain, the message goes back to `queued` and its command into the
   * outbox, due after the backoff: the API's relay publishes it then.
   */
  private async retryReported(
    id: string, status: MessageStatus, report: { twilioSid: string; failure?: ProviderFailure }, by: Actor,
  ): Promise<boolean> {
    const { failure } = report;
    if (!failure || !isRetryableTwilioError(failure.code) || ![MessageStatus.Undelivered, MessageStatus.Failed].includes(status)) return false;
    const current = await this.repository.findById(id);
    if (!current || current.attempts >= this.config.retry.maxAttempts) return false;
    const delayMs = retryDelayMs(current.attempts, this.config.retry);
    if (!(await this.scheduleRetry(id, failure, { attempt: current.attempts, delayMs }, by))) return false;
    await this.outbox.add([{ messageId: id, dueAt: new Date(Date.now() + delayMs), requestId: by.requestId }]);
    return true;
  }

  private async changed(message: MessageRecord, by: Actor, details: Record<string, unknown>) {
    await this.audit.record({
      ...by, action: AuditAction.MessageStatusChanged, messageId: message.id,
      details: { from: message.history.at(-2)?.status, to: message.status, ...details },
    });
  }
}
