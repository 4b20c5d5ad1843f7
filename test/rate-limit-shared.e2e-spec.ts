import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Every test file gets its own key prefix, so runs and files never share counters.
const PREFIX = `notifyx-test-${randomBytes(4).toString('hex')}:`;
// The storage wraps each key in {…} (a Redis Cluster hash tag), so stored names start with a brace.
const STORED_KEYS = `{${PREFIX}*`;

async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL} (set TEST_REDIS_URL or start redis-server): ${String(error)}`);
  }
}

describe('two API instances share one rate limit through Redis', () => {
  let redis: Redis;
  let one: RunningSystem;
  let two: INestApplication;
  const instances = () => [() => one.http(), () => request(two.getHttpServer())];

  beforeAll(async () => {
    redis = await connectRedis();
    one = await startSystem({
      worker: false,
      env: { REDIS_URL, REDIS_KEY_PREFIX: PREFIX, THROTTLE_LIMIT: '4', THROTTLE_TTL_MS: '60000', THROTTLE_BURST_LIMIT: '100' },
    });
    // Same process, same validated env: a second, independent Nest app (own storage, own Redis
    // connection, own key cache) on the same MongoDB and Redis, as a second replica would be.
    const { createApiApp } = await import('../src/bootstrap');
    two = await createApiApp();
    await two.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    const keys = await redis.keys(STORED_KEYS);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('spends one budget whichever instance answers', async () => {
    const [a, b] = instances();
    const remaining: string[] = [];
    for (const http of [a, b, a, b]) {
      const ok = await http().get('/v1/messages').set('x-api-key', TEST_API_KEY).expect(200);
      remaining.push(ok.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    for (const http of [a, b]) {
      const limited = await http().get('/v1/messages').set('x-api-key', TEST_API_KEY).expect(429);
      expect(limited.body).toMatchObject({ code: 'rate_limited' });
      expect(limited.headers).toMatchObject({ 'ratelimit-limit': '4', 'ratelimit-remaining': '0' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(await redis.keys(STORED_KEYS)).not.toHaveLength(0);
  });

  it('sees a key revoked on one instance as revoked on the other within seconds', async () => {
    const [a, b] = instances();
    const created = await a().post('/v1/api-keys').set('x-api-key', TEST_API_KEY).send({ name: 'replicated', scopes: ['messages:send'] }).expect(201);
    const { id, key } = created.body as { id: string; key: string };
    // Warm the other instance's cache with the key while it is still valid.
    await b().get('/v1/messages').set('x-api-key', key).expect(403);
    await a().delete(`/v1/api-keys/${id}`).set('x-api-key', TEST_API_KEY).expect(204);
    await a().get('/v1/messages').set('x-api-key', key).expect(401);
    const started = Date.now();
    await waitFor('revocation seen by the other instance', async () => (await b().get('/v1/messages').set('x-api-key', key)).status === 401, 5000);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
