import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MessageStatus } from '../lifecycle/message-status';
import { MetricsRepository } from './metrics.repository';
import { FailedStatus, SmsMetrics } from './sms-metrics';

/** How long final statuses gather before one lookup serves them all. */
export const FLUSH_INTERVAL_MS = 250;
/** A burst of callbacks is looked up in slices of this size. */
export const MAX_BATCH = 500;
/** Past this backlog (the store is down) new reports are counted without their details. */
const MAX_PENDING = 20_000;

type FinalStatus = MessageStatus.Delivered | FailedStatus;

interface FinalReport {
  messageId: string;
  status: FinalStatus;
  at: Date;
}

/**
 * Status reports from Twilio (callbacks, reconciliation) carry no acceptance time and no error code
 * in their audit entry, so both are read from the message. Reads are batched: one query for every
 * report of the last 250 ms, off the request path, instead of one per callback.
 */
@Injectable()
export class FinalStatusObserver implements OnApplicationShutdown {
  private readonly logger = new Logger(FinalStatusObserver.name);
  private pending: FinalReport[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: MetricsRepository,
    private readonly metrics: SmsMetrics,
  ) {}

  report(messageId: string, status: FinalStatus, at: Date): void {
    if (this.pending.length >= MAX_PENDING) return this.count({ messageId, status, at });
    this.pending.push({ messageId, status, at });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /**
   * Flushes what is pending; resolves once it is counted. Flushes run one after another, and each
   * takes what is pending when its turn comes: while a slow lookup runs, the reports arriving meanwhile
   * wait for one lookup together instead of queueing one lookup each behind it.
   */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => {
      const reports = this.pending;
      this.pending = [];
      return this.countAll(reports);
    });
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async countAll(reports: FinalReport[]): Promise<void> {
    for (let start = 0; start < reports.length; start += MAX_BATCH) {
      const batch = reports.slice(start, start + MAX_BATCH);
      try {
        const outcomes = await this.repository.outcomes([...new Set(batch.map((report) => report.messageId))]);
        for (const report of batch) this.count(report, outcomes.get(report.messageId));
      } catch (error) {
        // The status changes happened: count them, only the timing and the code are lost.
        this.logger.warn({ err: error, reports: batch.length }, 'could not read messages for metrics; counting without details');
        for (const report of batch) this.count(report);
      }
    }
  }

  private count(report: FinalReport, outcome?: { createdAt: Date; errorCode?: number }): void {
    if (report.status === MessageStatus.Delivered) {
      this.metrics.messageDelivered(outcome ? report.at.getTime() - outcome.createdAt.getTime() : undefined);
    } else {
      this.metrics.messageFailed(report.status, outcome?.errorCode);
    }
  }
}
