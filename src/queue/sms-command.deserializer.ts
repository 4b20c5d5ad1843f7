import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';
import { SmsPattern, UnprocessableCommand } from './sms-commands';

const known = new Set<string>([SmsPattern.Send]);

/**
 * Nest would nack a non-JSON or unknown-pattern command silently; turning it into an
 * `sms.unprocessable` event lets the consumer dead-letter it with a reason and keep going.
 */
export class SmsCommandDeserializer implements ConsumerDeserializer {
  deserialize(value: unknown): IncomingEvent {
    const reason = this.problem(value);
    if (reason) {
      const pattern = typeof value === 'object' && value !== null ? (value as { pattern?: unknown }).pattern : undefined;
      const data: UnprocessableCommand = { reason, pattern };
      return { pattern: SmsPattern.Unprocessable, data };
    }
    const { pattern, data } = value as { pattern: string; data: unknown };
    return { pattern, data };
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
