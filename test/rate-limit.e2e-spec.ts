import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

describe('rate limiting', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { THROTTLE_LIMIT: '3', THROTTLE_TTL_MS: '60000' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('answers 429 JSON with Retry-After once the limit is spent', async () => {
    for (let i = 0; i < 3; i += 1) {
      await system.http().get('/v1/messages').set('x-api-key', TEST_API_KEY).expect(200);
    }
    const limited = await system.http().get('/v1/messages').set('x-api-key', TEST_API_KEY).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('does not count health checks', async () => {
    await system.http().get('/health').expect(200);
  });
});
