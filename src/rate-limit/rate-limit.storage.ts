import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { ScriptedRedisStorage } from './scripted-redis-storage';

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Rate-limit counters: in Redis when REDIS_URL is set, so every API instance spends one shared
 * budget; otherwise in this process. If Redis is unreachable the limits are still enforced per
 * instance instead of failing every request or letting everything through.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RateLimitStorage.name);
  private readonly local = new ThrottlerStorageService();
  private readonly shared?: ScriptedRedisStorage;
  private degraded = false;

  constructor(config: AppConfig) {
    const { url } = config.redis;
    if (!url) return;
    // No offline queue and one retry: while Redis is away a request must not wait for it.
    // Auto-pipelining: the counters of requests handled in the same tick go out in one write.
    this.shared = new ScriptedRedisStorage(url, {
      lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, enableAutoPipelining: true,
    });
    this.shared.redis.on('error', (error: Error) => this.markDegraded(error));
  }

  /** Waits for the first connection so the first requests after start are already counted in Redis. */
  async onModuleInit(): Promise<void> {
    try {
      await this.shared?.redis.connect();
    } catch (error) {
      this.markDegraded(error);
    }
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<StorageRecord> {
    if (this.shared?.redis.status === 'ready') {
      try {
        const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
        this.markHealthy();
        return record;
      } catch (error) {
        this.markDegraded(error);
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onModuleDestroy(): void {
    this.shared?.onModuleDestroy();
    this.local.onApplicationShutdown();
  }

  private markDegraded(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: error }, 'Redis is unreachable: rate limits are counted per instance until it is back');
  }

  private markHealthy(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.logger.log('Redis is back: rate limits are shared again');
  }
}
