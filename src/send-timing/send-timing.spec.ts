import { planTiming } from './send-timing';

const NIGHT = { start: '21:00', end: '08:00' };
const NEW_YORK_NUMBER = '+12125550123';
const SAO_PAULO_NUMBER = '+5511987654321';

describe('planTiming (a controllable clock: `now` is passed in)', () => {
  it('defers a send at "now" inside the window, and counts validFor from the deferred time', () => {
    const now = Date.parse('2026-12-04T05:30:00Z'); // 02:30 in São Paulo
    expect(planTiming(SAO_PAULO_NUMBER, { quietHours: NIGHT, validFor: 600 }, {}, undefined, now)).toMatchObject({
      sendAt: new Date('2026-12-04T11:00:00Z'), expiresAt: new Date('2026-12-04T11:10:00Z'),
      quietHours: { zones: ['America/Sao_Paulo'], deferredTo: new Date('2026-12-04T11:00:00Z') },
    });
  });

  it('takes the send\'s window, else the template\'s, else the default; false turns them off', () => {
    const now = Date.parse('2026-12-04T05:30:00Z');
    const lunch = { start: '02:00', end: '03:00' };
    expect(planTiming(SAO_PAULO_NUMBER, {}, {}, NIGHT, now).sendAt).toEqual(new Date('2026-12-04T11:00:00Z'));
    expect(planTiming(SAO_PAULO_NUMBER, {}, { quietHours: lunch }, NIGHT, now).sendAt).toEqual(new Date('2026-12-04T06:00:00Z'));
    expect(planTiming(SAO_PAULO_NUMBER, { quietHours: false }, { quietHours: lunch }, NIGHT, now).sendAt).toBeUndefined();
  });

  it('defers across the DST change to 08:00 local daylight time (New York, 14 March 2027)', () => {
    const now = Date.parse('2027-03-13T23:00:00Z'); // 18:00 EST, Saturday
    const sendAt = new Date('2027-03-14T06:30:00Z'); // 01:30 EST; at 02:00 clocks jump to 03:00 EDT
    const { sendAt: deferred } = planTiming(NEW_YORK_NUMBER, { sendAt, quietHours: NIGHT }, {}, undefined, now);
    expect(deferred).toEqual(new Date('2027-03-14T12:00:00Z')); // 08:00 EDT (UTC-4), not 13:00Z (08:00 EST)
  });

  it('leaves a number whose zone is unknown alone', () => {
    const now = Date.parse('2026-12-04T05:30:00Z');
    expect(planTiming('+80012345678', { quietHours: NIGHT }, {}, undefined, now)).toMatchObject({ quietHours: { zones: [] } });
    expect(planTiming('+80012345678', { quietHours: NIGHT }, {}, undefined, now).sendAt).toBeUndefined();
  });
});
