import { DomainError } from '../common/domain-error';
import { checkSendAt } from '../messages/send-at';
import { ExpiryRequest, resolveExpiry } from './expiry';
import { applyQuietHours, checkQuietHours, QuietHours, QuietHoursOutcome } from './quiet-hours';
import { zonesOf } from './recipient-zones';

/** What a send says about its timing. */
export interface TimingRequest extends ExpiryRequest {
  sendAt?: Date;
  /** false: no quiet hours for this send, whatever the template or QUIET_HOURS_DEFAULT say. */
  quietHours?: QuietHours | false;
}

/** A template's timing defaults; a send's own fields win. */
export interface TimingDefaults {
  validFor?: number;
  quietHours?: QuietHours;
}

/** When one message goes out and when it expires. */
export interface Timing {
  sendAt?: Date;
  expiresAt?: Date;
  quietHours?: QuietHoursOutcome;
}

/**
 * When a message to `to` (E.164) goes out and expires: the requested sendAt (or now), moved to the
 * end of the quiet hours if it falls inside them in the recipient's local time; then the expiry,
 * counted from that time. The window is the send's, else the template's, else QUIET_HOURS_DEFAULT.
 */
export function planTiming(to: string, request: TimingRequest, defaults: TimingDefaults, fallbackWindow?: QuietHours, now = Date.now()): Timing {
  const requested = checkSendAt(request.sendAt, now);
  const window = request.quietHours === false ? undefined : (request.quietHours ?? defaults.quietHours ?? fallbackWindow);
  const quiet = window ? applyQuietHours(checkQuietHours(window), to, requested ?? new Date(now), zonesOf) : undefined;
  const sendAt = quiet?.deferredTo ?? requested;
  if (quiet?.deferredTo && request.expiresAt && quiet.deferredTo.getTime() >= request.expiresAt.getTime()) {
    throw new DomainError('invalid_quiet_hours',
      `quietHours move the message to ${quiet.deferredTo.toISOString()}, at or after its expiresAt (${request.expiresAt.toISOString()}): it would never be sent`, 400);
  }
  const expiresAt = resolveExpiry(request, { sendAt, templateValidFor: defaults.validFor, now });
  return { ...(sendAt ? { sendAt } : {}), ...(expiresAt ? { expiresAt } : {}), ...(quiet ? { quietHours: quiet } : {}) };
}
