import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task';
import { AppConfig } from '../config/app-config';
import { Actor, MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { canTransition, MessageStatus, statusFromTwilio } from '../lifecycle/message-status';
import { MessageRecord, ProviderFailure } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { SMS_PROVIDER, SmsProvider, SmsProviderError, ProviderStatus } from './sms-provider';
import { describeTwilioError } from './twilio-errors';

export interface ReconcileSummary {
  /** Messages Twilio was asked about. */
  checked: number;
  /** Messages whose status moved because of the answer. */
  changed: number;
}

/** `sending` only counts once it holds a SID: without one there is nothing to ask Twilio about. */
const STUCK_STATUSES = [MessageStatus.Sent, MessageStatus.Sending];
const BY: Actor = { actor: 'reconciler' };

function failureOf(report: ProviderStatus, status: MessageStatus): ProviderFailure | undefined {
  const failed = status === MessageStatus.Failed || status === MessageStatus.Undelivered;
  if (!failed && report.errorCode == null) return undefined;
  const info = describeTwilioError(report.errorCode);
  return { code: report.errorCode ?? undefined, message: report.errorMessage ?? info.title, description: info.description };
}

/**
 * Twilio does not retry status callbacks, so one lost callback (our API down, a network blip)
 * would leave a message `sent` forever. Each worker periodically asks Twilio about messages that
 * have sat in `sent` longer than RECONCILE_AFTER_MS and applies the answer.
 *
 * Several workers may do this at once, and may race the real callback: that is safe because
 * `applyReported` only ever moves a message forward, under the message's lease, so the second
 * writer of the same answer changes nothing (and audits nothing).
 */
@Injectable()
export class StatusReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatusReconciler.name);
  private readonly task = new PeriodicTask(() => this.pass(), { checked: 0, changed: 0 });
  private stopping = false;
  /** Where the last full batch ended; the next run continues after it (see findBatch). */
  private resumeAfter?: string;

  constructor(
    @Inject(SMS_PROVIDER) private readonly provider: SmsProvider,
    private readonly messages: MessagesRepository,
    private readonly lifecycle: MessageLifecycle,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.reconcile.intervalMs);
  }

  /** Before the connections close: no new run, and the current one stops after its message in hand. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
  }

  /** One bounded pass; a call while a pass is running returns at once rather than overlapping it. */
  reconcileOnce(): Promise<ReconcileSummary> {
    return this.task.runOnce();
  }

  private async pass(): Promise<ReconcileSummary> {
    const summary: ReconcileSummary = { checked: 0, changed: 0 };
    try {
      for (const message of await this.findBatch()) {
        if (this.stopping) break;
        summary.checked += 1;
        if (await this.settle(message)) summary.changed += 1;
      }
    } catch (error) {
      // Twilio or the store is unavailable: the next run tries again.
      this.logger.warn({ err: String(error), ...summary }, 'reconciliation paused; will try again');
    }
    if (summary.checked > 0) this.logger.log(summary, 'reconciled messages with Twilio');
    return summary;
  }

  /**
   * Batches rotate through the stuck messages in _id order. Without that, messages Twilio keeps
   * reporting as `sent` (carriers that never confirm delivery) would fill every batch and starve
   * the rest; a short batch means the end was reached, so the next run starts over.
   */
  private async findBatch(): Promise<MessageRecord[]> {
    const { afterMs, batchSize } = this.config.reconcile;
    const before = new Date(Date.now() - afterMs);
    let batch = await this.messages.findStuck(STUCK_STATUSES, before, batchSize, this.resumeAfter);
    if (batch.length === 0 && this.resumeAfter) batch = await this.messages.findStuck(STUCK_STATUSES, before, batchSize);
    this.resumeAfter = batch.length === batchSize ? batch[batch.length - 1].id : undefined;
    return batch;
  }

  /** Asks Twilio about one message and applies the answer; true when the message moved. */
  private async settle(message: MessageRecord): Promise<boolean> {
    const twilioSid = message.twilioSid as string;
    let report: ProviderStatus;
    try {
      report = await this.provider.fetch(twilioSid);
    } catch (error) {
      // A transient failure means Twilio is unreachable or overloaded: stop this run. A permanent
      // one (e.g. 20404, the SID is unknown to this account) concerns this message only.
      if (!(error instanceof SmsProviderError) || error.retryable) throw error;
      this.logger.warn({ messageId: message.id, twilioSid, errorCode: error.providerCode }, 'Twilio could not tell the status');
      return false;
    }
    const status = statusFromTwilio(report.status);
    // Still `sent` (or queued) at Twilio: nothing to apply, ask again on a later run.
    if (!status || !canTransition(message.status, status)) return false;
    const failure = failureOf(report, status);
    const updated = await this.lifecycle.applyReported(message.id, status, { twilioSid, failure }, BY);
    if (updated) this.logger.log({ messageId: message.id, twilioSid, from: message.status, to: status }, 'status reconciled');
    return updated !== null;
  }
}
