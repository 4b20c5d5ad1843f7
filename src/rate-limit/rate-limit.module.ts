import { ExecutionContext, Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { AuthModule } from '../auth/auth.module';
import { ROOT_PROJECT } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { ProjectsModule } from '../projects/projects.module';
import { ProjectsService, RequestLimits } from '../projects/projects.service';
import { ApiThrottlerGuard } from './api-throttler.guard';
import { RateLimitStorage } from './rate-limit.storage';

/**
 * A key's budgets are its project's (THROTTLE_LIMIT and THROTTLE_BURST_LIMIT unless the project
 * sets its own); callers without a valid key get the global ones, counted per address.
 */
function limitOf(authenticator: ApiKeyAuthenticator, projects: ProjectsService, which: keyof RequestLimits) {
  return async (context: ExecutionContext): Promise<number> => {
    const identity = await authenticator.identify(context.switchToHttp().getRequest<Request>());
    // Without a valid key: the global budgets (the root project's), counted per address.
    return (await projects.requestLimitsFor('principal' in identity ? identity.principal.projectId : ROOT_PROJECT))[which];
  };
}

/** Burst first (shortest window), then the sustained budget; a request must fit both. */
function throttlerOptions(config: AppConfig, storage: RateLimitStorage, authenticator: ApiKeyAuthenticator, projects: ProjectsService): ThrottlerModuleOptions {
  const { burst, ttlMs } = config.throttle;
  return {
    throttlers: [
      { name: 'burst', ttl: burst.ttlMs, limit: limitOf(authenticator, projects, 'burstLimit') },
      { name: 'sustained', ttl: ttlMs, limit: limitOf(authenticator, projects, 'limit') },
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
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule, AuthModule, ProjectsModule],
      inject: [AppConfig, RateLimitStorage, ApiKeyAuthenticator, ProjectsService],
      useFactory: throttlerOptions,
    }),
  ],
  providers: [ApiThrottlerGuard],
  exports: [ApiThrottlerGuard],
})
export class RateLimitModule {}
