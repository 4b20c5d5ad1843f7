import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { ApiKeyGuard, AuthenticatedRequest } from './api-key.guard';

function contextFor(request: Partial<AuthenticatedRequest>, isPublic = false): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => (isPublic ? publicHandler : privateHandler),
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}
function privateHandler() {}
function publicHandler() {}

describe('ApiKeyGuard', () => {
  const reflector = { getAllAndOverride: (_: string, [handler]: unknown[]) => handler === publicHandler } as unknown as Reflector;
  const guard = new ApiKeyGuard(reflector, { apiKeys: ['key-one', 'key-two'] } as AppConfig);

  it('lets a known key in and records a fingerprint as the actor, never the key', () => {
    const request: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'key-two' } };
    expect(guard.canActivate(contextFor(request))).toBe(true);
    expect(request.actor).toMatch(/^apikey:[0-9a-f]{8}$/);
    expect(request.actor).not.toContain('key-two');
  });

  it('gives different keys different actors', () => {
    const one: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'key-one' } };
    const two: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'key-two' } };
    guard.canActivate(contextFor(one));
    guard.canActivate(contextFor(two));
    expect(one.actor).not.toBe(two.actor);
  });

  it.each([
    [{}, /x-api-key header/],
    [{ 'x-api-key': 'wrong' }, /not valid/],
  ])('refuses %j with a 401 domain error', (headers, message) => {
    const attempt = () => guard.canActivate(contextFor({ headers }));
    expect(attempt).toThrow(DomainError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as DomainError).httpStatus).toBe(401);
    }
  });

  it('leaves public routes open', () => {
    expect(guard.canActivate(contextFor({ headers: {} }, true))).toBe(true);
  });
});
