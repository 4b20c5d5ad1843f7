import { setTimeout as sleep } from 'node:timers/promises';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

const OTHER_KEY = 'second-bootstrap-key-for-rate-limits';

describe('rate limiting (one instance, counters in memory)', () => {
  let system: RunningSystem;
  const list = (key?: string) => {
    const call = system.http().get('/v1/messages');
    return key ? call.set('x-api-key', key) : call;
  };

  beforeAll(async () => {
    system = await startSystem({
      worker: false,
      env: {
        API_KEYS: `${TEST_API_KEY},${OTHER_KEY}`,
        THROTTLE_LIMIT: '5', THROTTLE_TTL_MS: '60000', THROTTLE_BURST_LIMIT: '3', THROTTLE_BURST_TTL_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('stops a burst with 429 JSON, Retry-After and RateLimit-* headers, then the sustained budget', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const ok = await list(TEST_API_KEY).expect(200);
      expect(ok.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-reset': '1' });
      remaining.push(ok.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const burst = await list(TEST_API_KEY).expect(429).expect('content-type', /json/);
    expect(burst.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(burst.headers).toMatchObject({ 'retry-after': '1', 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });

    await sleep(1100);
    // 3 of the 5 sustained are spent (the refused one did not count): two more, then the long wait.
    await list(TEST_API_KEY).expect(200);
    const last = await list(TEST_API_KEY).expect(200);
    expect(last.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
    const sustained = await list(TEST_API_KEY).expect(429);
    expect(Number(sustained.headers['retry-after'])).toBeGreaterThan(50);
    expect(sustained.headers['ratelimit-limit']).toBe('5');
  });

  it('counts per API key: another key keeps its own budget', async () => {
    await list(TEST_API_KEY).expect(429);
    const other = await list(OTHER_KEY).expect(200);
    expect(other.headers['ratelimit-remaining']).toBe('2');
  });

  it('counts callers without a valid key by address, so guessing keys is slowed down too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await list(i % 2 ? `guess-${i}` : undefined)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('never limits health checks or Twilio callbacks', async () => {
    for (let i = 0; i < 5; i += 1) {
      const health = await system.http().get('/health').expect(200);
      expect(health.headers['ratelimit-limit']).toBeUndefined();
      await system.http().post('/v1/webhooks/twilio/status').type('form').send({ MessageStatus: 'sent' }).expect(403);
    }
  });
});
