import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { MessageStatus } from './message-status';
import { MessageRecord, NewMessage, ProviderFailure } from './message.record';
import { maskPhone } from '../sms/phone';
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
    const blocked = await this.repository.advance(id, MessageStatus.Blocked, {}, reason);
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

  /** A status reported by Twilio; applied only if it moves the message forward. */
  async applyReported(
    id: string,
    status: MessageStatus,
    report: { twilioSid: string; failure?: ProviderFailure },
    by: Actor,
  ): Promise<MessageRecord | null> {
    const fields = {
      twilioSid: report.twilioSid,
      ...(report.failure
        ? { errorCode: report.failure.code, errorMessage: report.failure.message, errorDescription: report.failure.description }
        : {}),
    };
    const updated = await this.repository.advance(id, status, fields, report.failure?.description);
    if (updated) await this.changed(updated, by, { twilioSid: report.twilioSid });
    return updated;
  }

  private async changed(message: MessageRecord, by: Actor, details: Record<string, unknown>) {
    await this.audit.record({
      ...by, action: AuditAction.MessageStatusChanged, messageId: message.id,
      details: { from: message.history.at(-2)?.status, to: message.status, ...details },
    });
  }
}
