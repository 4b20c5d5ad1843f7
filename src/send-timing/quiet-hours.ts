import { DateTime } from 'luxon';
import { DomainError } from '../common/domain-error';

/** A daily window, in the recipient's local time, in which no message goes out: "21:00" to "08:00" (it may span midnight). */
export interface QuietHours {
  start: string;
  end: string;
}

export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

/** Refuses a window that is empty or covers the whole day. */
export function checkQuietHours(window: QuietHours, field = 'quietHours'): QuietHours {
  if (!CLOCK_TIME.test(window.start) || !CLOCK_TIME.test(window.end)) {
    throw new DomainError('invalid_quiet_hours', `${field}.start and ${field}.end must be HH:MM (24-hour clock)`, 400);
  }
  if (window.start === window.end) throw new DomainError('invalid_quiet_hours', `${field}.start and ${field}.end must differ`, 400);
  return window;
}

/**
 * When the window that holds `at` ends, in `zone`; undefined when `at` is outside it. The end is
 * the first instant whose local time reads `end` on the right day; on a day when that local time
 * does not exist (clocks spring forward over it) luxon moves it forward by the gap, so the message
 * never goes out inside the window.
 */
export function quietUntil(window: QuietHours, zone: string, at: Date): Date | undefined {
  const local = DateTime.fromJSDate(at, { zone });
  const now = local.hour * 60 + local.minute + local.second / 60;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const spansMidnight = start > end;
  const inside = spansMidnight ? now >= start || now < end : now >= start && now < end;
  if (!inside) return undefined;
  const day = spansMidnight && now >= start ? local.plus({ days: 1 }) : local;
  const [hour, minute] = window.end.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 }).toJSDate();
}

/**
 * The first instant from `at` on that is outside the window in every one of `zones`: a number
 * that maps to several zones (a large country, a non-geographic range) is treated as being in all
 * of them, which makes its window the longest, so nobody in any of its zones is texted inside it.
 * Undefined when `at` itself is outside every window.
 */
export function deferralFor(window: QuietHours, zones: string[], at: Date): Date | undefined {
  let until = at;
  // Each pass moves past one zone's window; with zones at most a day apart, a few passes settle it.
  for (let pass = 0; pass <= zones.length; pass += 1) {
    const later = zones.map((zone) => quietUntil(window, zone, until)).filter((end): end is Date => end !== undefined);
    if (later.length === 0) return until === at ? undefined : until;
    until = new Date(Math.max(...later.map((end) => end.getTime())));
  }
  return until;
}

/** What quiet hours did to one message: the zones judged, and the time it was moved to (if it was). */
export interface QuietHoursOutcome {
  window: QuietHours;
  zones: string[];
  deferredTo?: Date;
}

/**
 * Where `window` applies to a message to `to` that would go out at `at`: its deferral, if the
 * recipient's local time (every zone the number may be in) is inside the window. A number whose
 * zone the table does not know is not deferred: its local time cannot be told.
 */
export function applyQuietHours(window: QuietHours, to: string, at: Date, zonesOf: (e164: string) => string[]): QuietHoursOutcome {
  const zones = zonesOf(to);
  const deferredTo = zones.length > 0 ? deferralFor(window, zones, at) : undefined;
  return { window, zones, ...(deferredTo ? { deferredTo } : {}) };
}

/** QUIET_HOURS_DEFAULT's form, "21:00-08:00". */
export function parseQuietHours(text: string): QuietHours {
  const [start = '', end = ''] = text.split('-');
  return { start, end };
}
