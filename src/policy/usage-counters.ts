import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { CounterStep, UsageLedger } from './usage-ledger';

/** INCRBY that refuses to pass the limit, and gives a fresh window its expiry. */
const ADD_SCRIPT = `
local amount = tonumber(ARGV[1])
local total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
if amount > 0 and total > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], amount)
  return 0
end
return 1
`;

type CounterRedis = Redis & { usageAdd(key: string, amount: number, limit: number, expiresAtMs: number): Promise<number> };

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
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 }) as CounterRedis;
    this.redis.defineCommand('usageAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
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
    if (this.redis?.status === 'ready') {
      try {
        const added = await this.redis.usageAdd(`${this.keyPrefix}policy:${counter}`, amount, limit, windowEnd.getTime());
        this.degraded = false;
        return added === 1;
      } catch (error) {
        this.markDegraded(error);
      }
    }
    return this.ledger.add(counter, amount, limit, windowEnd);
  }

  /** Many counters at once (each named once), each added as by `add`. */
  async addMany(steps: CounterStep[]): Promise<boolean[]> {
    if (this.redis?.status === 'ready') {
      try {
        const added = await Promise.all(steps.map(({ counter, amount, limit, expiresAt }) =>
          this.redis!.usageAdd(`${this.keyPrefix}policy:${counter}`, amount, limit, expiresAt.getTime())));
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
