import { DomainError } from '../common/domain-error';
import { isExpired, resolveExpiry, validityPeriodOf } from './expiry';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const at = (offsetS: number) => new Date(NOW + offsetS * 1000);

describe('resolveExpiry', () => {
  it('counts validFor from when the message is due: now, or its sendAt', () => {
    expect(resolveExpiry({ validFor: 300 }, { now: NOW })).toEqual(at(300));
    expect(resolveExpiry({ validFor: 300 }, { sendAt: at(3600), now: NOW })).toEqual(at(3900));
  });

  it("uses the template's default only when the send gives neither field", () => {
    expect(resolveExpiry({}, { templateValidFor: 60, now: NOW })).toEqual(at(60));
    expect(resolveExpiry({ validFor: 5 }, { templateValidFor: 60, now: NOW })).toEqual(at(5));
    expect(resolveExpiry({ expiresAt: at(30) }, { templateValidFor: 60, now: NOW })).toEqual(at(30));
    expect(resolveExpiry({}, { now: NOW })).toBeUndefined();
  });

  it('refuses both fields, an expiresAt in the past, and a sendAt at or after the expiry, naming the fields', () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error as DomainError;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => resolveExpiry({ validFor: 5, expiresAt: at(30) }, { now: NOW })).message).toMatch(/validFor or expiresAt/);
    expect(refusal(() => resolveExpiry({ expiresAt: at(-1) }, { now: NOW }))).toMatchObject({ code: 'invalid_expires_at', httpStatus: 400 });
    const late = refusal(() => resolveExpiry({ expiresAt: at(3600) }, { sendAt: at(7200), now: NOW }));
    expect(late).toMatchObject({ code: 'invalid_send_at', httpStatus: 400 });
    expect(late.message).toMatch(/sendAt .* must be before expiresAt/);
  });

  it("keeps a producer's expiresAt that passed while its command waited (the message ends expired)", () => {
    expect(resolveExpiry({ expiresAt: at(-10) }, { mayHavePassed: true, now: NOW })).toEqual(at(-10));
  });
});

describe('isExpired and validityPeriodOf', () => {
  it('counts less than a second left as expired: Twilio could otherwise hold it past its time', () => {
    expect(isExpired({ expiresAt: at(0.999) }, NOW)).toBe(true);
    expect(isExpired({ expiresAt: at(1) }, NOW)).toBe(false);
    expect(isExpired({}, NOW)).toBe(false);
  });

  it("gives Twilio what is left, rounded down, within its 1-36000 s ValidityPeriod, none beyond", () => {
    expect(validityPeriodOf(at(299.9), NOW)).toBe(299);
    expect(validityPeriodOf(at(1.2), NOW)).toBe(1);
    expect(validityPeriodOf(at(36_000), NOW)).toBe(36_000);
    expect(validityPeriodOf(at(36_001), NOW)).toBeUndefined();
    expect(validityPeriodOf(undefined, NOW)).toBeUndefined();
  });
});
