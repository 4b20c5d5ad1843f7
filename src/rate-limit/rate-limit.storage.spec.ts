import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../config/app-config';
import { RateLimitStorage } from './rate-limit.storage';

const configWith = (url?: string) => ({ redis: { url, keyPrefix: 'spec:' } }) as AppConfig;

describe('RateLimitStorage', () => {
  beforeAll(() => Logger.overrideLogger(false));
  // ioredis leaves the socket's connect timer (1 s) running after a refused connection.
  afterAll(() => sleep(1100));

  it('counts in this process when no Redis is configured', async () => {
    const storage = new RateLimitStorage(configWith());
    await storage.onModuleInit();
    await storage.increment('k', 1000, 1, 1000, 'burst');
    expect(await storage.increment('k', 1000, 1, 1000, 'burst')).toMatchObject({ totalHits: 2, isBlocked: true });
    storage.onModuleDestroy();
  });

  it('keeps limiting per instance, without failing requests, while Redis is unreachable', async () => {
    const storage = new RateLimitStorage(configWith('redis://127.0.0.1:1'));
    await storage.onModuleInit();
    await expect(storage.increment('k', 1000, 1, 1000, 'burst')).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
    await expect(storage.increment('k', 1000, 1, 1000, 'burst')).resolves.toMatchObject({ isBlocked: true });
    storage.onModuleDestroy();
  });
});
