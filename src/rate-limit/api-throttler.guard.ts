import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions, InjectThrottlerStorage, normalizeIp, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
// Not re-exported by the package; the key @SkipThrottle() writes. api-throttler.guard.spec.ts pins it.
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants';
import type { Request, Response } from 'express';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { AppConfig } from '../config/app-config';

interface WindowState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

const WINDOWS = Symbol('rate-limit windows');
type TrackedResponse = Response & { [WINDOWS]?: WindowState[] };

/**
 * @nestjs/throttler's guard, counting per API key instead of per address, with every window
 * (burst and sustained) applied and the standard RateLimit-* headers naming the tightest one.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  /** @SkipThrottle() with no argument means "not rate limited", not just "skip the window named default". */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const skip = this.reflector.getAllAndOverride<boolean>(`${THROTTLER_SKIP}default`, [context.getHandler(), context.getClass()]);
    return context.getType() !== 'http' || skip === true;
  }

  /** A key spends one budget from any address; requests without a valid key are counted by address. */
  protected override async getTracker(request: Record<string, any>): Promise<string> {
    const identity = await this.authenticator.identify(request as Request);
    if ('principal' in identity) return identity.principal.actor;
    return `ip:${normalizeIp((request as Request).ip ?? 'unknown', this.ipv6SubnetPrefix)}`;
  }

  /**
   * One counter per caller, window and route (the throttler's own model): polling a message's status
   * does not eat the budget for sending, and a route's @Throttle() override counts on its own.
   */
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    return `${this.config.redis.keyPrefix}ratelimit:${throttlerName}:${tracker}:${route}`;
  }

  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }: ThrottlerRequest): Promise<boolean> {
    const { req, res } = this.getRequestResponse(context);
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, throttler.name ?? 'default');
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name ?? 'default');
    const resetSeconds = record.isBlocked ? record.timeToBlockExpire : record.timeToExpire;
    this.reportWindow(res as TrackedResponse, { limit, remaining: Math.max(0, limit - record.totalHits), resetSeconds });
    if (record.isBlocked) {
      this.setResponseHeader(res, 'Retry-After', record.timeToBlockExpire);
      await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    }
    return true;
  }

  /** The headers describe whichever window runs out first (fewest left, then latest reset). */
  private reportWindow(res: TrackedResponse, state: WindowState): void {
    const windows = (res[WINDOWS] ??= []);
    windows.push(state);
    const tightest = windows.reduce((a, b) => (b.remaining < a.remaining || (b.remaining === a.remaining && b.resetSeconds > a.resetSeconds) ? b : a));
    this.setResponseHeader(res, 'RateLimit-Limit', tightest.limit);
    this.setResponseHeader(res, 'RateLimit-Remaining', tightest.remaining);
    this.setResponseHeader(res, 'RateLimit-Reset', tightest.resetSeconds);
  }
}
