import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage';
import { WebhookRefusals } from './webhook-refusals';

/** Its own name, so the controllers' @SkipThrottle() (which keeps the per-key API limits off) leaves it on. */
const WEBHOOK_THROTTLER = 'webhook';

/**
 * Twilio webhooks carry no API key, so they are counted per source address (the client's, with
 * TRUST_PROXY) and route, before the signature is checked: a flood of forged calls is turned away
 * at the cost of a counter, in Redis when REDIS_URL is set so every instance shares the budget.
 */
@Injectable()
export class WebhookThrottlerGuard extends ThrottlerGuard {
  // @Inject on both: ThrottlerGuard's own parameter decorators (options, storage) are inherited otherwise.
  constructor(
    @Inject(RateLimitStorage) storage: RateLimitStorage,
    @Inject(Reflector) reflector: Reflector,
    private readonly config: AppConfig,
    private readonly refusals: WebhookRefusals,
  ) {
    const { ttlMs, limit } = config.webhookThrottle;
    super({ throttlers: [{ name: WEBHOOK_THROTTLER, ttl: ttlMs, limit, setHeaders: false }] }, storage, reflector);
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    return `ip:${normalizeIp((request as Request).ip ?? 'unknown', this.ipv6SubnetPrefix)}`;
  }

  protected override generateKey(context: ExecutionContext, tracker: string): string {
    return `${this.config.redis.keyPrefix}ratelimit:${WEBHOOK_THROTTLER}:${tracker}:${context.getClass().name}.${context.getHandler().name}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const { req, res } = this.getRequestResponse(context);
    this.setResponseHeader(res as Response, 'Retry-After', detail.timeToBlockExpire);
    this.refusals.record(req as Request, 'rate_limited');
    await super.throwThrottlingException(context, detail);
  }
}
