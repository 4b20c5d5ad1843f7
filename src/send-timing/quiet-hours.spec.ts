import { checkQuietHours, deferralFor, quietUntil } from './quiet-hours';

const NIGHT = { start: '21:00', end: '08:00' };
const SAO_PAULO = 'America/Sao_Paulo'; // UTC-3, no DST since 2019
const NEW_YORK = 'America/New_York';

describe('quietUntil', () => {
  it('leaves a message outside the window alone, at both edges', () => {
    // 20:59:59 and 08:00:00 in São Paulo are outside 21:00-08:00.
    expect(quietUntil(NIGHT, SAO_PAULO, new Date('2026-12-03T23:59:59Z'))).toBeUndefined();
    expect(quietUntil(NIGHT, SAO_PAULO, new Date('2026-12-04T11:00:00Z'))).toBeUndefined();
  });

  it('defers a message inside the window to its end: at the start, after midnight, and a second before the end', () => {
    const end = new Date('2026-12-04T11:00:00Z'); // 08:00 in São Paulo
    expect(quietUntil(NIGHT, SAO_PAULO, new Date('2026-12-04T00:00:00Z'))).toEqual(end); // 21:00 exactly
    expect(quietUntil(NIGHT, SAO_PAULO, new Date('2026-12-04T05:30:00Z'))).toEqual(end); // 02:30
    expect(quietUntil(NIGHT, SAO_PAULO, new Date('2026-12-04T10:59:59Z'))).toEqual(end); // 07:59:59
  });

  it('handles a window within one day', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(quietUntil(lunch, SAO_PAULO, new Date('2026-12-04T15:10:00Z'))).toEqual(new Date('2026-12-04T16:30:00Z'));
    expect(quietUntil(lunch, SAO_PAULO, new Date('2026-12-04T16:30:00Z'))).toBeUndefined();
  });

  it('ends the window at 08:00 local time across a DST change (New York springs forward on 2027-03-14)', () => {
    // 22:00 EST on Saturday 13 March (UTC-5): the night's end is 08:00 EDT on Sunday (UTC-4), 12:00Z, nine hours later.
    const evening = new Date('2027-03-14T03:00:00Z');
    expect(quietUntil(NIGHT, NEW_YORK, evening)).toEqual(new Date('2027-03-14T12:00:00Z'));
    // And back in autumn (7 November 2027): 22:00 EDT → 08:00 EST = 13:00Z, eleven hours later.
    expect(quietUntil(NIGHT, NEW_YORK, new Date('2027-11-07T02:00:00Z'))).toEqual(new Date('2027-11-07T13:00:00Z'));
  });

  it('moves an end that falls in the skipped hour forward, never back into the window', () => {
    const toTwoThirty = { start: '01:00', end: '02:30' }; // 02:30 does not exist in New York on 2027-03-14
    const end = quietUntil(toTwoThirty, NEW_YORK, new Date('2027-03-14T06:30:00Z')); // 01:30 EST
    expect(end).toEqual(new Date('2027-03-14T07:30:00Z')); // 03:30 EDT
  });
});

describe('deferralFor several zones', () => {
  it('defers to the latest end: the window is the longest the zones make', () => {
    // 06:00 in New York is 03:00 in Los Angeles: quiet in both; the end is 08:00 in Los Angeles (16:00Z).
    const at = new Date('2026-12-04T11:00:00Z');
    expect(deferralFor(NIGHT, [NEW_YORK, 'America/Los_Angeles'], at)).toEqual(new Date('2026-12-04T16:00:00Z'));
    // 21:30 in New York (18:30 in Los Angeles): Los Angeles is awake but New York is not.
    expect(deferralFor(NIGHT, [NEW_YORK, 'America/Los_Angeles'], new Date('2026-12-05T02:30:00Z'))).toEqual(new Date('2026-12-05T16:00:00Z'));
    expect(deferralFor(NIGHT, [NEW_YORK, 'America/Los_Angeles'], new Date('2026-12-04T17:00:00Z'))).toBeUndefined();
  });
});

describe('checkQuietHours', () => {
  it('refuses malformed and empty windows, naming the field', () => {
    expect(() => checkQuietHours({ start: '9:00', end: '08:00' })).toThrow(/quietHours.start and quietHours.end must be HH:MM/);
    expect(() => checkQuietHours({ start: '08:00', end: '08:00' })).toThrow(/must differ/);
    expect(checkQuietHours(NIGHT)).toEqual(NIGHT);
  });
});
