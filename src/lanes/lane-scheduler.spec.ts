import { LaneScheduler, MAX_PASSED_OVER } from './lane-scheduler';
import type { Priority } from './priority';

/** Queues `lanes` behind a scheduler whose places are all held, then frees places one by one: the order they go in. */
async function orderServed(lanes: Priority[], turns = lanes.length): Promise<string[]> {
  const scheduler = new LaneScheduler(1);
  let release = await scheduler.turn('normal');
  const served: string[] = [];
  const waiting = lanes.map((lane, index) => scheduler.turn(lane).then((done) => {
    served.push(`${lane}${index}`);
    return done;
  }));
  const byIndex = new Map(waiting.map((promise, index) => [index, promise]));
  for (let turn = 0; turn < turns; turn += 1) {
    release();
    await flush();
    const index = Number(served.at(-1)!.replace(/\D/g, ''));
    release = await byIndex.get(index)!;
  }
  return served;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LaneScheduler', () => {
  it('lets callers straight through while places are free', async () => {
    const scheduler = new LaneScheduler(2);
    await scheduler.turn('low');
    await scheduler.turn('low');
    expect(scheduler.state).toEqual({ held: 2, waiting: { high: 0, normal: 0, low: 0 } });
  });

  it('hands a freed place to high first, then normal, then low; first come first served within a lane', async () => {
    expect(await orderServed(['low', 'normal', 'low', 'high', 'normal', 'high'])).toEqual(['high3', 'high5', 'normal1', 'normal4', 'low0', 'low2']);
  });

  it('a place released twice is freed once', async () => {
    const scheduler = new LaneScheduler(1);
    const release = await scheduler.turn('high');
    const next = scheduler.turn('low');
    const third = scheduler.turn('low');
    release();
    release();
    await next;
    await flush();
    expect(scheduler.state).toEqual({ held: 1, waiting: { high: 0, normal: 0, low: 1 } });
    void third;
  });

  it(`low is never starved: with high callers always waiting it gets one turn in ${MAX_PASSED_OVER.low + 1}`, async () => {
    const lanes: Priority[] = [...Array.from({ length: 30 }, () => 'high' as const), 'low', 'low', 'low'];
    const served = await orderServed(lanes);
    const lowTurns = served.flatMap((name, turn) => (name.startsWith('low') ? [turn] : []));
    expect(lowTurns).toEqual([9, 19, 29]);
  });

  it(`normal gets one turn in ${MAX_PASSED_OVER.normal + 1} under high, and low still gets its share under both`, async () => {
    const lanes: Priority[] = [...Array.from({ length: 40 }, () => 'high' as const), ...Array.from({ length: 10 }, () => 'normal' as const), 'low', 'low'];
    const served = (await orderServed(lanes, 20)).map((name) => name.replace(/\d/g, ''));
    expect(served.slice(0, 10)).toEqual(['high', 'high', 'high', 'normal', 'high', 'high', 'high', 'normal', 'high', 'low']);
    expect(served.filter((lane) => lane === 'low').length).toBeGreaterThanOrEqual(2);
  });

  it('with more places than callers nobody waits, whatever the lane', async () => {
    const scheduler = new LaneScheduler(5);
    const releases = await Promise.all((['low', 'high', 'normal'] as const).map((lane) => scheduler.turn(lane)));
    releases.forEach((release) => release());
    expect(scheduler.state.held).toBe(0);
  });
});
