import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, ThrottlerException, ThrottlerStorageService } from '@nestjs/throttler';
import type { ApiKeyAuthenticator, Identity } from '../auth/api-key.authenticator';
import type { AppConfig } from '../config/app-config';
import { ApiThrottlerGuard } from './api-throttler.guard';

@Controller('v1/things')
class Things {
  @Get() list() {}
  @SkipThrottle() @Get('free') free() {}
}

const principals: Record<string, Identity> = {
  k1: { principal: { actor: 'apikey:k1', scopes: [], projectId: 'root' } },
  k2: { principal: { actor: 'apikey:k2', scopes: [], projectId: 'root' } },
};

describe('ApiThrottlerGuard', () => {
  let storage: ThrottlerStorageService;
  let guard: ApiThrottlerGuard;

  beforeEach(async () => {
    storage = new ThrottlerStorageService();
    const authenticator = {
      identify: async (req: { headers: Record<string, string> }) => principals[req.headers['x-api-key']] ?? { refusal: 'missing_key', actor: 'anonymous' },
    } as unknown as ApiKeyAuthenticator;
    const options = { throttlers: [{ name: 'sustained', ttl: 60_000, limit: 3 }, { name: 'burst', ttl: 1000, limit: 2 }] };
    guard = new ApiThrottlerGuard(options, storage, new Reflector(), authenticator, { redis: { keyPrefix: 't:' } } as AppConfig);
    await guard.onModuleInit();
  });
  afterEach(() => storage.onApplicationShutdown());

  async function call(handler: 'list' | 'free', headers: Record<string, string>, ip = '10.0.0.1') {
    const sent: Record<string, string> = {};
    const response = { header: (name: string, value: unknown) => void (sent[name] = String(value)) };
    const context = {
      getType: () => 'http',
      getHandler: () => Things.prototype[handler],
      getClass: () => Things,
      switchToHttp: () => ({ getRequest: () => ({ headers, ip }), getResponse: () => response }),
    } as unknown as ExecutionContext;
    try {
      return { allowed: await guard.canActivate(context), headers: sent };
    } catch (error) {
      if (!(error instanceof ThrottlerException)) throw error;
      return { allowed: false, headers: sent };
    }
  }

  it('reports the window that runs out first in RateLimit-* headers', async () => {
    const first = await call('list', { 'x-api-key': 'k1' });
    expect(first).toEqual({ allowed: true, headers: { 'RateLimit-Limit': '2', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '1' } });
  });

  it('answers a burst with Retry-After, and keeps other keys out of it', async () => {
    await call('list', { 'x-api-key': 'k1' });
    await call('list', { 'x-api-key': 'k1' });
    const limited = await call('list', { 'x-api-key': 'k1' });
    expect(limited.allowed).toBe(false);
    expect(limited.headers).toMatchObject({ 'Retry-After': '1', 'RateLimit-Remaining': '0' });
    expect((await call('list', { 'x-api-key': 'k2' })).allowed).toBe(true);
  });

  it('counts one key from any address, and callers without a key by address', async () => {
    await call('list', { 'x-api-key': 'k1' }, '10.0.0.1');
    expect((await call('list', { 'x-api-key': 'k1' }, '10.0.0.2')).headers['RateLimit-Remaining']).toBe('0');
    await call('list', {}, '10.0.0.3');
    expect((await call('list', {}, '10.0.0.4')).headers['RateLimit-Remaining']).toBe('1');
    expect([...storage.storage.keys()]).toEqual(expect.arrayContaining([
      't:ratelimit:burst:apikey:k1:Things.list', 't:ratelimit:burst:ip:10.0.0.3:Things.list',
    ]));
  });

  it('takes @SkipThrottle() to mean every window', async () => {
    for (let i = 0; i < 5; i += 1) expect(await call('free', { 'x-api-key': 'k1' })).toEqual({ allowed: true, headers: {} });
  });
});
