import { DomainError } from '../common/domain-error';

const DAY_MS = 86_400_000;
export const DEFAULT_RANGE_DAYS = 7;
/** About a quarter: enough for quarterly reviews, small enough to stay a handful of queries. */
export const MAX_RANGE_DAYS = 93;

/** A time range, half-open: [from, to). */
export interface ReportRange {
  from: Date;
  to: Date;
  /** Only this project's messages; unset: every project's (a root key's report). */
  projectId?: string;
}

export class InvalidReportRangeError extends DomainError {
  constructor(message: string) {
    super('invalid_report_range', message, 400);
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** JS rolls 2025-02-30 over to March 2; a calendar date that does not survive a round trip does not exist. */
function isRealDate(yyyyMmDd: string): boolean {
  const date = new Date(`${yyyyMmDd}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(yyyyMmDd);
}

function parseBound(name: 'from' | 'to', value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !isRealDate(value.slice(0, 10))) {
    throw new InvalidReportRangeError(`${name} "${value}" is not a real date or time`);
  }
  // A bare date as the end means "up to and including that day", as people read from=…&to=….
  return name === 'to' && DATE_ONLY.test(value) ? new Date(date.getTime() + DAY_MS) : date;
}

/**
 * The range a report covers. `to` defaults to now and `from` to DEFAULT_RANGE_DAYS before `to`;
 * bare dates are UTC days. Ranges that are empty, reversed or longer than MAX_RANGE_DAYS are refused.
 */
export function resolveRange(query: { from?: string; to?: string }, now: Date): ReportRange {
  const to = query.to ? parseBound('to', query.to) : now;
  const from = query.from ? parseBound('from', query.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from >= to) {
    throw new InvalidReportRangeError(`from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_RANGE_DAYS) {
    throw new InvalidReportRangeError(`a report covers at most ${MAX_RANGE_DAYS} days; this range covers ${Math.ceil(days)}`);
  }
  return { from, to };
}

/** The UTC days the range touches, each clipped to the range, keyed YYYY-MM-DD. */
export function utcDays(range: ReportRange): Array<ReportRange & { key: string }> {
  const days: Array<ReportRange & { key: string }> = [];
  const first = Math.floor(range.from.getTime() / DAY_MS) * DAY_MS;
  for (let start = first; start < range.to.getTime(); start += DAY_MS) {
    days.push({
      key: new Date(start).toISOString().slice(0, 10),
      from: new Date(Math.max(start, range.from.getTime())),
      to: new Date(Math.min(start + DAY_MS, range.to.getTime())),
      ...(range.projectId ? { projectId: range.projectId } : {}),
    });
  }
  return days;
}
