import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { RedisOptions } from 'ioredis';

type Counted = Awaited<ReturnType<ThrottlerStorageRedisService['increment']>>;
type ScriptedRedis = ThrottlerStorageRedisService['redis'] & {
  throttlerIncrement(hitKey: string, blockKey: string, name: string, ttl: number, limit: number, blockDuration: number): Promise<number[]>;
};

/**
 * The library's Redis counter with its own Lua script, sent once: the library sends the script's
 * whole text with every request (EVAL), which made the counter the API's largest cost per Twilio
 * callback after the store (profiled, docs/performance.md, seventh round). ioredis sends the
 * script's SHA instead (EVALSHA) and loads it again by itself should Redis have lost it. Same
 * keys, same script, same answer as the library's `increment`.
 */
export class ScriptedRedisStorage extends ThrottlerStorageRedisService {
  constructor(url: string, options: RedisOptions) {
    super(url, options);
    this.redis.defineCommand('throttlerIncrement', { numberOfKeys: 2, lua: this.scriptSrc });
  }

  override async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Counted> {
    const prefix = `{${key}:${throttlerName}}`;
    const results = await (this.redis as ScriptedRedis).throttlerIncrement(`${prefix}:hits`, `${prefix}:blocked`, throttlerName, ttl, limit, blockDuration);
    if (!Array.isArray(results) || results.length !== 4 || results.some((value) => typeof value !== 'number')) {
      throw new TypeError(`Expected four numbers from the rate-limit script, got ${JSON.stringify(results)}`);
    }
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = results;
    return { totalHits, timeToExpire: Math.ceil(timeToExpire / 1000), isBlocked: isBlocked === 1, timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000) };
  }
}
