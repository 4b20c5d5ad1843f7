import { Injectable, OnModuleInit } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditEvent, AuditService, FencedEvent } from '../audit/audit.service';
import { MessageStatus } from '../lifecycle/message-status';
import { FinalStatusObserver } from './final-status-observer';
import { AcceptSource, SmsMetrics } from './sms-metrics';

function sourceOf(actor: string): AcceptSource {
  if (actor.startsWith('apikey:')) return 'api';
  return actor === 'producer' ? 'producer' : 'other';
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * Counts what the audit log records. Every state change of a message is audited (the lifecycle
 * pairs each with its entry), so counting audit entries counts each change exactly once, in the
 * process where it happened, without a metrics call in every service.
 */
@Injectable()
export class AuditMetricsListener implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    private readonly metrics: SmsMetrics,
    private readonly finals: FinalStatusObserver,
  ) {}

  onModuleInit(): void {
    this.audit.onRecorded((event, at) => this.count(event, at));
  }

  count(event: AuditEvent, at: Date): void {
    const details = event.details ?? {};
    switch (event.action) {
      case AuditAction.MessageAccepted:
        return this.metrics.messageAccepted(sourceOf(event.actor));
      case AuditAction.MessageStatusChanged:
        return this.statusChanged(event, details.to, at);
      case AuditAction.MessageFailed:
        return this.metrics.messageFailed(MessageStatus.Failed, numberOr(details.errorCode));
      case AuditAction.MessageRetryScheduled:
        return this.metrics.retryScheduled(numberOr(details.errorCode));
      case AuditAction.MessageBlocked:
        return this.metrics.messageBlocked();
      case AuditAction.MessageExpired:
        return this.metrics.messageExpired();
      case AuditAction.CommandDeadLettered:
        return this.metrics.deadLetteredCommand(event.messageId ? 'message' : 'command');
      default:
    }
  }

  /**
   * Sends failed by Twilio's API are `message.failed`; these are the statuses Twilio reports later.
   * A status change's entry holds what it made of the message (a failure's code) and, when its writer
   * knew it, the acceptance time: counted from those, without a read. Entries without them (a
   * callback URL from before the acceptance time was in it) are looked up in batches.
   */
  private statusChanged(entry: AuditEvent & Partial<FencedEvent>, to: unknown, at: Date): void {
    if (to === MessageStatus.Sent) return this.metrics.messageSent();
    const { messageId, change, event } = entry;
    if (!messageId) return;
    const acceptedAt = numberOr(event?.acceptedAt);
    if (to === MessageStatus.Delivered) {
      return acceptedAt === undefined ? this.finals.report(messageId, to, at) : this.metrics.messageDelivered(at.getTime() - acceptedAt);
    }
    if (to === MessageStatus.Failed || to === MessageStatus.Undelivered) {
      return change ? this.metrics.messageFailed(to, numberOr(change.set?.errorCode)) : this.finals.report(messageId, to, at);
    }
  }
}
