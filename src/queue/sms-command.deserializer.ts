import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';
import { SmsPattern, UnprocessableCommand } from './sms-commands';

const known = new Set<string>([SmsPattern.Send]);

/** Set by quorum queues: how often this message was delivered before and not acked. */
const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/**
 * Nest would nack a non-JSON or unknown-pattern command silently; turning it into an
 * `sms.unprocessable` event lets the consumer dead-letter it with a reason and keep going.
 *
 * `deliveryLimit` (quorum queues only): a command already returned that many times is parked
 * here, before any handler runs, so a command that crashes the worker each time (a crash no
 * handler lives to count) stops at a reason instead of taking every worker down in turn.
 */
export class SmsCommandDeserializer implements ConsumerDeserializer {
  constructor(private readonly deliveryLimit?: number) {}

  deserialize(value: unknown, properties?: { headers?: Record<string, unknown> }): IncomingEvent {
    const limited = this.overLimit(properties?.headers);
    if (limited) return unprocessable(value, limited, storedCommandIn(value));
    const reason = this.problem(value);
    if (reason) return unprocessable(value, reason);
    const { pattern, data } = value as { pattern: string; data: unknown };
    return { pattern, data };
  }

  private overLimit(headers: Record<string, unknown> = {}): string | undefined {
    const returned = Number(headers[DELIVERY_COUNT_HEADER] ?? 0);
    if (this.deliveryLimit === undefined || !(returned >= this.deliveryLimit)) return undefined;
    return `delivered ${returned + 1} times without being acked (each time its worker stopped, crashed or lost its ` +
      `connection before settling it, or requeued it); parked at the queue's delivery limit of ${this.deliveryLimit}`;
  }

  private problem(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return 'not a JSON object: expected {"pattern":"sms.send","data":{...}}';
    }
    const { pattern, id } = value as { pattern?: unknown; id?: unknown };
    if (id !== undefined) {
      return 'request-response messages are not supported; publish an event without "id"';
    }
    if (typeof pattern !== 'string' || !known.has(pattern)) {
      return `unknown pattern ${JSON.stringify(pattern)}; expected one of: ${[...known].join(', ')}`;
    }
    return undefined;
  }
}

function unprocessable(value: unknown, reason: string, command?: UnprocessableCommand['command']): IncomingEvent {
  const pattern = typeof value === 'object' && value !== null ? (value as { pattern?: unknown }).pattern : undefined;
  const data: UnprocessableCommand = { reason, pattern, ...(command ? { command } : {}) };
  return { pattern: SmsPattern.Unprocessable, data };
}

/** A stored message's command ({messageId}), so its parking is audited on that message. */
function storedCommandIn(value: unknown): UnprocessableCommand['command'] {
  const { pattern, data } = (typeof value === 'object' && value !== null ? value : {}) as { pattern?: unknown; data?: unknown };
  if (pattern !== SmsPattern.Send || typeof data !== 'object' || data === null) return undefined;
  const { messageId, requestId } = data as { messageId?: unknown; requestId?: unknown };
  if (typeof messageId !== 'string' || !/^[0-9a-f]{24}$/i.test(messageId)) return undefined;
  return { messageId, ...(typeof requestId === 'string' && requestId.length <= 128 ? { requestId } : {}) };
}
