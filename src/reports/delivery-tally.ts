import { MessageStatus } from '../lifecycle/message-status';
import { describeTwilioError } from '../sms/twilio-errors';

/** How many messages share one status, error code and segment count: what every report adds up. */
export interface OutcomeCount {
  status: MessageStatus;
  errorCode: number | null;
  segments: number;
  count: number;
}

export interface FailureReason {
  errorCode: number | null;
  count: number;
  title: string;
  description: string;
}

/** Twilio took these messages, so their segments went out (and were billed). */
const REACHED_TWILIO = new Set([MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Undelivered]);
const FAILURES = new Set([MessageStatus.Failed, MessageStatus.Undelivered]);

type Counter = 'delivered' | 'undelivered' | 'failed' | 'blocked' | 'canceled' | 'expired';
const COUNTERS: Partial<Record<MessageStatus, Counter>> = {
  [MessageStatus.Delivered]: 'delivered',
  [MessageStatus.Undelivered]: 'undelivered',
  [MessageStatus.Failed]: 'failed',
  [MessageStatus.Blocked]: 'blocked',
  [MessageStatus.Canceled]: 'canceled',
  [MessageStatus.Expired]: 'expired',
};

/**
 * Error codes only count for messages that failed: a delivered message keeps the code of an
 * earlier, retried attempt, which says nothing about how it ended.
 */
export function failureCodeOf(row: Pick<OutcomeCount, 'status' | 'errorCode'>): number | null | undefined {
  return FAILURES.has(row.status) ? row.errorCode : undefined;
}

/** Counts for one group (or the whole report). Everything not final is `pending`. */
export class DeliveryTally {
  messages = 0;
  delivered = 0;
  undelivered = 0;
  failed = 0;
  blocked = 0;
  canceled = 0;
  expired = 0;
  pending = 0;
  segmentsSent = 0;

  add(row: OutcomeCount): void {
    this.messages += row.count;
    if (REACHED_TWILIO.has(row.status)) this.segmentsSent += row.segments * row.count;
    const counter = COUNTERS[row.status];
    if (counter) this[counter] += row.count;
    else this.pending += row.count;
  }

  /** Delivered among the messages whose fate is known; blocked, canceled and expired ones never tried. */
  get deliveryRate(): number | null {
    const settled = this.delivered + this.undelivered + this.failed;
    return settled === 0 ? null : Math.round((this.delivered / settled) * 10_000) / 10_000;
  }
}

const NO_CODE: Omit<FailureReason, 'count'> = {
  errorCode: null,
  title: 'No error code',
  description: 'The failure came without a Twilio error code, usually because Twilio was never reached (network errors, timeouts, retries used up). Each message\'s errorDescription says more.',
};

/** Failed and undelivered messages by error code, most frequent first, with readable descriptions. */
export class FailureTally {
  private readonly counts = new Map<number | null, number>();

  add(row: OutcomeCount): void {
    const code = failureCodeOf(row);
    if (code !== undefined) this.counts.set(code, (this.counts.get(code) ?? 0) + row.count);
  }

  reasons(): FailureReason[] {
    return [...this.counts]
      .sort(([codeA, a], [codeB, b]) => b - a || (codeA ?? 0) - (codeB ?? 0))
      .map(([code, count]) => {
        if (code === null) return { ...NO_CODE, count };
        const { title, description } = describeTwilioError(code);
        return { errorCode: code, count, title, description };
      });
  }
}

/** Totals, failure reasons and one tally per group key. */
export class ReportTally {
  readonly totals = new DeliveryTally();
  readonly failures = new FailureTally();
  private readonly groups = new Map<string, DeliveryTally>();

  /** `keys` are listed in this order even when empty (days); other keys are added as seen. */
  constructor(private readonly fixedKeys: string[] = []) {
    for (const key of fixedKeys) this.groups.set(key, new DeliveryTally());
  }

  add(key: string, row: OutcomeCount): void {
    this.totals.add(row);
    this.failures.add(row);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new DeliveryTally()));
    group.add(row);
  }

  /** Fixed keys in their order; otherwise the largest groups first. */
  entries(): Array<[string, DeliveryTally]> {
    const entries = [...this.groups];
    if (this.fixedKeys.length > 0) return entries;
    return entries.sort(([keyA, a], [keyB, b]) => b.messages - a.messages || keyA.localeCompare(keyB));
  }
}

/** The middle value (mean of the two middle ones for an even count), rounded to whole ms; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return Math.round(value);
}
