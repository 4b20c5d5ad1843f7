import { Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { RateLimitStorage } from './rate-limit.storage';

/** Burst first (shortest window), then the sustained budget; a request must fit both. */
function throttlerOptions(config: AppConfig, storage: RateLimitStorage): ThrottlerModuleOptions {
  const { burst, ttlMs, limit } = config.throttle;
  return {
    throttlers: [
      { name: 'burst', ttl: burst.ttlMs, limit: burst.limit },
      { name: 'sustained', ttl: ttlMs, limit },
    ],
    storage,
  };
}

/** The counters' one store, shared by the API's limits and the webhooks' (WebhooksModule imports it too). */
@Module({ providers: [RateLimitStorage], exports: [RateLimitStorage] })
export class RateLimitStorageModule {}

/** Rate limits per API key; the app registers ApiThrottlerGuard globally. */
@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({ imports: [RateLimitStorageModule], inject: [AppConfig, RateLimitStorage], useFactory: throttlerOptions }),
  ],
  providers: [ApiThrottlerGuard],
  exports: [ApiThrottlerGuard],
})
export class RateLimitModule {}
