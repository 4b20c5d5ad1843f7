import { Injectable } from '@nestjs/common';
import { inspect } from 'node:util';
import { DomainError } from '../common/domain-error';
import { isStoreUnavailable } from '../common/store-unavailable';
import { AppConfig } from '../config/app-config';
import { retryDelayMs } from '../queue/sms-topology';

/** How many times this command's handling has failed so far; it travels with the command. */
export const FAILURES_HEADER = 'x-notifyx-failures';

/** What to do with a command whose handling threw. */
export type FailureOutcome =
  | { kind: 'dead'; reason: string }
  /** Try again after `delayMs` through delay queue `level`, carrying `failures` in its header. */
  | { kind: 'again'; failures: number; level: number; delayMs: number; reason: string };

const MAX_REASON_LENGTH = 500;

export function failuresIn(headers: Record<string, unknown>): number {
  const value = Number(headers[FAILURES_HEADER] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : inspect(error);
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

/**
 * A command that keeps failing must not loop forever (a classic queue keeps no delivery count, and
 * a requeue goes straight back to the head): each failure hands the command on through a delay
 * queue with its count in a header, and the N-th parks it with the error as its reason. The count
 * lives in the command, not in the broker, so it is the same on classic and quorum queues (where a
 * requeue would also raise x-delivery-count towards the queue's delivery limit). The waits grow as
 * Twilio retries do, through the same delay queues and with the same delay per level, so a level
 * still holds waits of about one length. A domain error parks at once; the store being unreachable
 * is not counted (an outage would otherwise park every command in flight), only waited out.
 */
@Injectable()
export class CommandFailures {
  constructor(private readonly config: AppConfig) {}

  outcomeOf(error: unknown, headers: Record<string, unknown>): FailureOutcome {
    if (error instanceof DomainError) return { kind: 'dead', reason: error.message };
    // The store being unreachable fails every command alike: an outage, not something wrong with this one.
    const counted = !isStoreUnavailable(error);
    const failures = failuresIn(headers) + (counted ? 1 : 0);
    const limit = this.config.maxCommandFailures;
    if (failures >= limit) return { kind: 'dead', reason: `failed ${failures} times (SMS_MAX_COMMAND_FAILURES=${limit}): ${describe(error)}` };
    const top = Math.max(this.config.retry.maxAttempts, 2) - 1;
    const level = Math.min(Math.max(failures, 1), top);
    return { kind: 'again', failures, level, delayMs: retryDelayMs(level, this.config.retry), reason: describe(error) };
  }
}
