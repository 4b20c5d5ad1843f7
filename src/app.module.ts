import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ProjectsApiModule } from './projects/projects-api.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { CoreModule } from './core.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { HealthModule } from './health/health.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { OptOutsModule } from './opt-outs/opt-outs.module';
import { PreviewModule } from './preview/preview.module';
import { ApiThrottlerGuard } from './rate-limit/api-throttler.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ReportsModule } from './reports/reports.module';
import { TemplatesModule } from './templates/templates.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The API process: REST, Swagger, Twilio webhooks. Sending happens in the worker. */
@Module({
  imports: [
    CoreModule,
    AuthModule,
    RateLimitModule,
    ApiKeysModule,
    ProjectsApiModule,
    MessagesModule,
    PreviewModule,
    DeadLettersModule,
    OptOutsModule,
    TemplatesModule,
    AuditModule,
    ReportsModule,
    WebhooksModule,
    HealthModule,
    MetricsModule,
    DashboardModule,
  ],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    // Guards run in this order. How often first, so callers without a valid key (guessing keys,
    // each refusal audited) are slowed down per address before any of that work is done.
    { provide: APP_GUARD, useExisting: ApiThrottlerGuard },
    { provide: APP_GUARD, useExisting: ApiKeyGuard },
  ],
})
export class AppModule {}
