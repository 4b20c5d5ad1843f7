import { describeTwilioError, isRetryableTwilioError, TWILIO_ERRORS } from './twilio-errors';

const REQUIRED = [
  20003, 20404, 20429, 20500, 21211, 21212, 21408, 21602, 21603, 21604, 21606, 21608, 21610, 21611,
  21612, 21614, 21617, 30001, 30002, 30003, 30004, 30005, 30006, 30007, 30008, 30010, 30034,
];
const RETRYABLE = [20429, 20500, 21611, 30001, 30008];

describe('TWILIO_ERRORS', () => {
  it('covers exactly the catalogued codes', () => {
    expect([...TWILIO_ERRORS.keys()].sort()).toEqual([...REQUIRED].sort());
  });

  it.each(REQUIRED)('%i has a consistent entry with a readable sentence', (code) => {
    const info = TWILIO_ERRORS.get(code);
    expect(info?.code).toBe(code);
    expect(info?.title.length).toBeGreaterThan(0);
    expect(info?.description).toMatch(/^[A-Z].{20,}\.$/);
  });

  it('marks only transient failures retryable', () => {
    const retryable = [...TWILIO_ERRORS.values()].filter((info) => info.retryable).map((info) => info.code);
    expect(retryable.sort()).toEqual(RETRYABLE);
  });

  it.each([
    [20003, 'Permission Denied'],
    [20429, 'Too Many Requests'],
    [21211, "Invalid 'To' Phone Number"],
    [21610, 'Attempt to send to unsubscribed recipient'],
    [21614, "'To' number is not a valid mobile number"],
    [30003, 'Unreachable destination handset'],
    [30007, 'Message filtered'],
    [30010, 'Message price exceeds max price'],
  ])('titles %i as %p', (code, title) => {
    expect(TWILIO_ERRORS.get(code)?.title).toBe(title);
  });
});

describe('describeTwilioError', () => {
  it('returns the catalogue entry for a known code', () => {
    expect(describeTwilioError(21610)).toBe(TWILIO_ERRORS.get(21610));
  });

  it('describes an unknown code generically, as permanent', () => {
    expect(describeTwilioError(12345)).toEqual({
      code: 12345,
      title: 'Twilio error 12345',
      description: 'Twilio error 12345 is not in our catalogue. See https://www.twilio.com/docs/api/errors/12345.',
      retryable: false,
    });
  });

  it.each([null, undefined])('describes a missing code (%p) as permanent', (code) => {
    expect(describeTwilioError(code)).toMatchObject({ code: 0, title: 'Unknown Twilio error', retryable: false });
  });
});

describe('isRetryableTwilioError', () => {
  it.each([
    [20429, true],
    [20500, true],
    [21611, true],
    [30001, true],
    [30008, true],
    [30010, false],
    [30003, false],
    [21211, false],
    [21610, false],
    [30007, false],
    [99999, false],
    [null, false],
    [undefined, false],
  ])('%p → %p', (code, expected) => {
    expect(isRetryableTwilioError(code)).toBe(expected);
  });
});
