/**
 * Injected failures, keyed by destination number, so a spec can make one recipient misbehave while
 * the rest of the traffic stays healthy.
 */
export const FAULT_KINDS = ['http500', '20429', 'timeout', 'undelivered'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  to: string;
  kind: FaultKind;
  /** Remaining creates to affect; 0 means every create until cleared. */
  times: number;
  errorCode: number;
}

/** Twilio's usual carrier verdict when a handset cannot be reached. */
const DEFAULT_UNDELIVERED_CODE = 30003;

export function parseFaultRule(input: unknown): FaultRule | string {
  if (typeof input !== 'object' || input === null) return 'body must be a JSON object';
  const { to, kind, times, errorCode } = input as Record<string, unknown>;
  if (typeof to !== 'string' || to === '') return '"to" must be a non-empty string';
  if (!FAULT_KINDS.includes(kind as FaultKind)) return `"kind" must be one of ${FAULT_KINDS.join(', ')}`;
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 0)) {
    return '"times" must be a non-negative integer';
  }
  if (errorCode !== undefined && !Number.isInteger(errorCode)) return '"errorCode" must be an integer';
  return {
    to,
    kind: kind as FaultKind,
    times: (times as number | undefined) ?? 1,
    errorCode: (errorCode as number | undefined) ?? DEFAULT_UNDELIVERED_CODE,
  };
}

export class FaultBook {
  private rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push(rule);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * Finds the oldest rule for `to` among `kinds` and uses up one application of it, in one
   * synchronous step so that concurrent creates cannot both spend the last one.
   */
  take(to: string, kinds: readonly FaultKind[]): FaultRule | undefined {
    const rule = this.rules.find((r) => r.to === to && kinds.includes(r.kind));
    if (!rule || rule.times === 0) return rule;
    rule.times -= 1;
    if (rule.times === 0) this.rules = this.rules.filter((r) => r !== rule);
    return { ...rule };
  }
}
