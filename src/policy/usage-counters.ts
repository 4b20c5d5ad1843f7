import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { CounterStep, UsageLedger } from './usage-ledger';

/** INCRBY that refuses to pass the limit, and gives a fresh window its expiry: KEYS[i] with ARGV[3i-2..3i]. */
const ADD_SCRIPT = `
local results = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[3 * i - 2])
  local total = redis.call('INCRBY', key, amount)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIREAT', key, ARGV[3 * i]) end
  if amount > 0 and total > tonumber(ARGV[3 * i - 1]) then
    redis.call('DECRBY', key, amount)
    results[i] = 0
  else
    results[i] = 1
  end
end
return results
`;

/** usageAdd(keyCount, ...keys, ...[amount, limit, expiresAtMs] per key): 1 added, 0 refused, per key. */
type CounterRedis = Redis & { usageAdd(keyCount: number, ...args: (string | number)[]): Promise<number[]> };

/**
 * Atomic counters for the send policy: one Redis key per window when REDIS_URL is set (a Lua
 * script checks and adds in one step), otherwise, or while Redis is unreachable, the ledger in
 * the message store.
 */
@Injectable()
export class UsageCounters implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsageCounters.name);
  private readonly redis?: CounterRedis;
  private readonly keyPrefix: string;
  private degraded = false;

  constructor(
    config: AppConfig,
    private readonly ledger: UsageLedger,
  ) {
    const { url, keyPrefix } = config.redis;
    this.keyPrefix = keyPrefix;
    if (!url) return;
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, enableAutoPipelining: true }) as CounterRedis;
    this.redis.defineCommand('usageAdd', { lua: ADD_SCRIPT });
    this.redis.on('error', (error: Error) => this.markDegraded(error));
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.redis?.connect();
    } catch (error) {
      this.markDegraded(error);
    }
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }

  /** Adds `amount` to the counter unless that would pass `limit`; a negative amount gives back. */
  async add(counter: string, amount: number, limit: number, windowEnd: Date): Promise<boolean> {
    const [added] = await this.addMany([{ counter, amount, limit, expiresAt: windowEnd }]);
    return added;
  }

  /** Many counters at once (each named once), each added as by `add`: in Redis, one script call for all. */
  async addMany(steps: CounterStep[]): Promise<boolean[]> {
    if (steps.length === 0) return [];
    if (this.redis?.status === 'ready') {
      try {
        const keys = steps.map(({ counter }) => `${this.keyPrefix}policy:${counter}`);
        const args = steps.flatMap(({ amount, limit, expiresAt }) => [amount, limit, expiresAt.getTime()]);
        const added = await this.redis.usageAdd(keys.length, ...keys, ...args);
        this.degraded = false;
        return added.map((result) => result === 1);
      } catch (error) {
        this.markDegraded(error);
      }
    }
    return this.ledger.addMany(steps);
  }

  private markDegraded(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: error }, 'Redis is unreachable: send-policy counters use the message store until it is back');
  }
}
