import { MemoryPaceStore, SLOWDOWN_RECOVERY_MS, slowdownFactor } from './pace-stores';
import { SendPacer } from './send-pacer';
import type { AppConfig } from '../config/app-config';

function pacerWith(maxMps: number, sender: { phoneNumber?: string; messagingServiceSid?: string } = { phoneNumber: '+15005550006' }): SendPacer {
  const config = { pace: { maxMps }, redis: { keyPrefix: 'test:' }, twilio: sender } as unknown as AppConfig;
  return new SendPacer(config);
}

describe('MemoryPaceStore', () => {
  let now = 0;
  const store = () => new MemoryPaceStore(() => now);
  beforeEach(() => {
    now = 1_000_000_000;
  });

  it('hands out slots one interval apart, each to one caller', async () => {
    const pace = store();
    const waits = [];
    for (let i = 0; i < 5; i += 1) waits.push(await pace.reserve('+1', 20_000));
    expect(waits).toEqual([0, 20_000, 40_000, 60_000, 80_000]);
  });

  it('does not bank idle time: after a pause the next slot is now, not in the past', async () => {
    const pace = store();
    await pace.reserve('+1', 20_000);
    now += 5_000_000;
    expect(await pace.reserve('+1', 20_000)).toBe(0);
    expect(await pace.reserve('+1', 20_000)).toBe(20_000);
  });

  it('keeps senders apart', async () => {
    const pace = store();
    await pace.reserve('+1', 20_000);
    expect(await pace.reserve('+2', 20_000)).toBe(0);
  });

  it('after a 20429 spaces slots twice as far, back to normal over the recovery time', async () => {
    const pace = store();
    await pace.slowDown('+1');
    expect(await pace.reserve('+1', 20_000)).toBe(0);
    expect(await pace.reserve('+1', 20_000)).toBe(40_000);
    now += SLOWDOWN_RECOVERY_MS * 1000;
    const first = await pace.reserve('+1', 20_000);
    expect(await pace.reserve('+1', 20_000)).toBe(first + 20_000);
  });
});

describe('slowdownFactor', () => {
  it('is 2 right after a 20429, 1.5 halfway through the recovery, 1 after it', () => {
    expect(slowdownFactor(undefined)).toBe(1);
    expect(slowdownFactor(0)).toBe(2);
    expect(slowdownFactor((SLOWDOWN_RECOVERY_MS * 1000) / 2)).toBe(1.5);
    expect(slowdownFactor(SLOWDOWN_RECOVERY_MS * 1000 * 3)).toBe(1);
  });
});

describe('SendPacer without Redis', () => {
  it('does not wait at all without a cap', async () => {
    const pacer = pacerWith(0);
    const started = Date.now();
    await Promise.all(Array.from({ length: 100 }, () => pacer.waitForSlot(null)));
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('lets 10 sends at 50/s take about 180 ms', async () => {
    const pacer = pacerWith(50);
    const started = Date.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 10 }, () => pacer.waitForSlot(null).then(() => done.push(Date.now() - started))));
    expect(Math.max(...done)).toBeGreaterThanOrEqual(170);
    expect(Math.max(...done)).toBeLessThan(400);
  });

  it('paces each from number on its own, the default sender being the messaging service when set', async () => {
    const pacer = pacerWith(10, { phoneNumber: '+15005550006', messagingServiceSid: `MG${'0'.repeat(32)}` });
    const started = Date.now();
    await Promise.all([pacer.waitForSlot(null), pacer.waitForSlot('+15005550001'), pacer.waitForSlot('+15005550002')]);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('prepares each send ahead of its slot and hands its result over at the slot', async () => {
    const pacer = pacerWith(10);
    const started = performance.now();
    const first = await pacer.waitForSlot(null, async () => 'claimed');
    expect(first).toBe('claimed');
    let preparedAt = 0;
    const second = await pacer.waitForSlot(null, async () => {
      preparedAt = performance.now() - started;
      return 'claimed again';
    });
    const releasedAt = performance.now() - started;
    expect(second).toBe('claimed again');
    // The second slot is 103 ms after the first; preparation runs up to 150 ms before it, so at once.
    expect(preparedAt).toBeLessThan(50);
    expect(releasedAt).toBeGreaterThanOrEqual(100);
  });

  it('gives the slot up when the preparation finds nothing to send', async () => {
    const pacer = pacerWith(10);
    await pacer.waitForSlot(null);
    const started = performance.now();
    expect(await pacer.waitForSlot(null, async () => null)).toBeNull();
    expect(performance.now() - started).toBeLessThan(50);
  });
});
