import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MessageStatus } from '../lifecycle/message-status';
import { METRIC_PREFIX, MetricsRegistry } from './metrics-registry';

/** Error-code label for failures Twilio gave no code for (network, timeouts). */
export const NO_ERROR_CODE = 'none';

export type AcceptSource = 'api' | 'producer' | 'other';
export type FailedStatus = MessageStatus.Failed | MessageStatus.Undelivered;

/**
 * The SMS counters and histograms of one process. Counters start at zero with the process;
 * Prometheus' rate() and increase() handle restarts, and sum() adds the API and worker instances.
 */
@Injectable()
export class SmsMetrics {
  private readonly accepted: Counter<'source'>;
  private readonly sent: Counter;
  private readonly delivered: Counter;
  private readonly failed: Counter<'status' | 'error_code'>;
  private readonly retries: Counter<'error_code'>;
  private readonly deadLettered: Counter<'kind'>;
  private readonly blocked: Counter;
  private readonly expired: Counter;
  private readonly twilioCalls: Histogram<'operation' | 'outcome'>;
  private readonly acceptToDelivered: Histogram;

  constructor({ registry }: MetricsRegistry) {
    const registers = [registry];
    const counter = <T extends string>(name: string, help: string, labelNames: T[] = []) =>
      new Counter<T>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers });
    this.accepted = counter('messages_accepted_total', 'Messages accepted (stored and queued), by where they came from', ['source']);
    this.sent = counter('messages_sent_total', 'Messages Twilio took (status sent)');
    this.delivered = counter('messages_delivered_total', 'Messages the carrier reported delivered');
    this.failed = counter('messages_failed_total', 'Messages that ended failed or undelivered, by Twilio error code', ['status', 'error_code']);
    this.retries = counter('message_retries_total', 'Send attempts that failed transiently and were scheduled again, by Twilio error code', ['error_code']);
    this.deadLettered = counter('dead_lettered_total', 'Commands parked in the dead-letter queue (message: attempts used up; command: unprocessable)', ['kind']);
    this.blocked = counter('messages_blocked_total', 'Messages not sent because the recipient opted out or is blocklisted');
    this.expired = counter('messages_expired_total', 'Messages not handed to Twilio before their expiresAt, so never sent');
    this.twilioCalls = new Histogram({
      name: `${METRIC_PREFIX}twilio_request_duration_seconds`,
      help: 'Time one Twilio API call took, answered or not',
      labelNames: ['operation', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 15, 30],
      registers,
    });
    this.acceptToDelivered = new Histogram({
      name: `${METRIC_PREFIX}accept_to_delivered_seconds`,
      help: 'Time from acceptance to the delivered status report',
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
  }

  messageAccepted(source: AcceptSource): void {
    this.accepted.inc({ source });
  }

  messageSent(): void {
    this.sent.inc();
  }

  messageDelivered(acceptToDeliveredMs?: number): void {
    this.delivered.inc();
    if (acceptToDeliveredMs !== undefined && acceptToDeliveredMs >= 0) this.acceptToDelivered.observe(acceptToDeliveredMs / 1000);
  }

  messageFailed(status: FailedStatus, errorCode: number | undefined): void {
    this.failed.inc({ status, error_code: errorCodeLabel(errorCode) });
  }

  retryScheduled(errorCode: number | undefined): void {
    this.retries.inc({ error_code: errorCodeLabel(errorCode) });
  }

  deadLetteredCommand(kind: 'message' | 'command'): void {
    this.deadLettered.inc({ kind });
  }

  messageBlocked(): void {
    this.blocked.inc();
  }

  messageExpired(): void {
    this.expired.inc();
  }

  /** Times a Twilio call without touching its outcome: the caller awaits `call` as before. */
  observeTwilioCall(operation: string, call: Promise<unknown>): void {
    const end = this.twilioCalls.startTimer({ operation });
    call.then(() => end({ outcome: 'ok' }), () => end({ outcome: 'error' }));
  }
}

function errorCodeLabel(code: number | undefined): string {
  return typeof code === 'number' && Number.isInteger(code) ? String(code) : NO_ERROR_CODE;
}
