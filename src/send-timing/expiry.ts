import { DomainError } from '../common/domain-error';

/** Longest `validFor`: a week. Longer than that, a message is not time-critical and needs no expiry. */
export const MAX_VALID_FOR_S = 7 * 24 * 3600;
/** `expiresAt` at most this far ahead: the longest schedule (35 days) plus the longest `validFor`. */
const MAX_EXPIRES_AHEAD_MS = 42 * 24 * 3_600_000;
/** Twilio's ValidityPeriod range (api.twilio.com OpenAPI, Message create: integers 1 to 36000 seconds). */
export const TWILIO_VALIDITY_MIN_S = 1;
export const TWILIO_VALIDITY_MAX_S = 36_000;

export interface ExpiryRequest {
  /** Seconds the message stays worth sending, counted from when it is due (its sendAt, or its acceptance). */
  validFor?: number;
  expiresAt?: Date;
}

export interface ExpiryContext {
  sendAt?: Date;
  /** The template's default validFor, used when the request gives neither field. */
  templateValidFor?: number;
  /**
   * A producer's command may wait in the broker past its expiresAt: it is still stored, and ends
   * `expired` (audited) instead of being refused, so its fate is on record like any other.
   */
  mayHavePassed?: boolean;
  now?: number;
}

/**
 * When a message stops being worth sending, from what the request gives (or its template's default
 * `validFor`). `validFor` counts from when the message is due, so a template's default suits a
 * scheduled send too; an explicit `expiresAt` must then come after `sendAt`. Undefined: it never expires.
 */
export function resolveExpiry(request: ExpiryRequest, context: ExpiryContext = {}): Date | undefined {
  const { validFor, expiresAt } = request;
  const { sendAt, now = Date.now() } = context;
  if (validFor !== undefined && expiresAt !== undefined) {
    throw new DomainError('invalid_expiry', 'give validFor or expiresAt, not both', 400);
  }
  if (expiresAt !== undefined) return checkExpiresAt(expiresAt, sendAt, now, context.mayHavePassed);
  const seconds = validFor ?? context.templateValidFor;
  return seconds === undefined ? undefined : new Date((sendAt?.getTime() ?? now) + seconds * 1000);
}

function checkExpiresAt(expiresAt: Date, sendAt: Date | undefined, now: number, mayHavePassed = false): Date {
  const ahead = expiresAt.getTime() - now;
  if (Number.isNaN(ahead) || (!mayHavePassed && ahead <= 0) || ahead > MAX_EXPIRES_AHEAD_MS) {
    throw new DomainError('invalid_expires_at', 'expiresAt must be in the future, at most 42 days from now', 400);
  }
  if (sendAt && sendAt.getTime() >= expiresAt.getTime()) {
    throw new DomainError('invalid_send_at', `sendAt (${sendAt.toISOString()}) must be before expiresAt (${expiresAt.toISOString()}): the message would expire before it is due`, 400);
  }
  return expiresAt;
}

/**
 * Whether a message's time is up: it must not be handed to Twilio any more. Less than Twilio's
 * shortest ValidityPeriod (1 s) left counts as up: Twilio could otherwise hold it past its expiry.
 */
export function isExpired(message: { expiresAt?: Date | null }, now = Date.now()): boolean {
  return message.expiresAt != null && message.expiresAt.getTime() - now < TWILIO_VALIDITY_MIN_S * 1000;
}

/**
 * What is left of a message's time, as Twilio's ValidityPeriod (whole seconds, 1 to 36000), so the
 * carrier queue drops it too once it is stale. Undefined without an expiry, or beyond Twilio's
 * maximum (its default, 36000 s, applies then). Rounded down: Twilio must never hold it past expiry.
 */
export function validityPeriodOf(expiresAt: Date | null | undefined, now = Date.now()): number | undefined {
  if (!expiresAt) return undefined;
  const left = Math.floor((expiresAt.getTime() - now) / 1000);
  if (left > TWILIO_VALIDITY_MAX_S) return undefined;
  return Math.max(left, TWILIO_VALIDITY_MIN_S);
}
