import { Controller, ExecutionContext, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { ApiKeyRecord } from '../api-keys/api-keys.repository';
import type { AuditEvent, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeyGuard, AuthenticatedRequest, Public } from './api-key.guard';
import { RequireScopes, RootProjectOnly } from './require-scopes.decorator';

@Controller('v1/messages')
class MessagesLike {
  @Get() list() {}
  @Post() send() {}
}
@Controller('v1/elsewhere')
class Undecorated {
  @Get() read() {}
}
@RequireScopes('admin')
@RootProjectOnly()
@Controller('v1/projects')
class RootOnly {
  @Get() list() {}
}

@RequireScopes('messages:read')
@Controller('v1/reports')
class Decorated {
  @Get() read() {}
  @Public() @Get('open') open() {}
}

function contextFor(type: new () => object, handler: string, request: Partial<AuthenticatedRequest>): ExecutionContext {
  const full = Object.assign(request, { method: 'GET', path: '/v1/x', ip: '127.0.0.1', headers: {}, ...request });
  return {
    getType: () => 'http',
    getHandler: () => (type.prototype as Record<string, () => void>)[handler],
    getClass: () => type,
    switchToHttp: () => ({ getRequest: () => full }),
  } as unknown as ExecutionContext;
}

const SEND_ONLY = `nx_${'s'.repeat(43)}`;
const REVOKED = `nx_${'r'.repeat(43)}`;
const PROJECT_ADMIN = `nx_${'p'.repeat(43)}`;
const stored: Record<string, Partial<ApiKeyRecord>> = {
  [SEND_ONLY]: { id: 'a'.repeat(24), scopes: ['messages:send'] },
  [REVOKED]: { id: 'b'.repeat(24), scopes: ['messages:send'], revokedAt: new Date() },
  [PROJECT_ADMIN]: { id: 'c'.repeat(24), scopes: ['admin'], projectId: 'd'.repeat(24) },
};

describe('ApiKeyGuard', () => {
  const audited: AuditEvent[] = [];
  const audit = { record: async (event: AuditEvent) => void audited.push(event) } as unknown as AuditService;
  const apiKeys = { findByKey: async (key: string) => stored[key] } as unknown as ApiKeysService;
  const authenticator = new ApiKeyAuthenticator({ apiKeys: ['boot-one', 'boot-two'] } as AppConfig, apiKeys);
  const guard = new ApiKeyGuard(new Reflector(), authenticator, audit);
  const run = (type: new () => object, handler: string, request: Partial<AuthenticatedRequest>) =>
    guard.canActivate(contextFor(type, handler, request));

  beforeEach(() => audited.splice(0));

  it('lets a bootstrap key in everywhere and records a fingerprint as the actor, never the key', async () => {
    const request: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'boot-two' } };
    await expect(run(Undecorated, 'read', request)).resolves.toBe(true);
    expect(request.actor).toMatch(/^apikey:[0-9a-f]{8}$/);
    expect(request.actor).not.toContain('boot-two');
    const other: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'boot-one' } };
    await run(MessagesLike, 'send', other);
    expect(other.actor).not.toBe(request.actor);
  });

  it('names a stored key by its id', async () => {
    const request: Partial<AuthenticatedRequest> = { method: 'POST', headers: { 'x-api-key': SEND_ONLY } };
    await expect(run(MessagesLike, 'send', request)).resolves.toBe(true);
    expect(request.actor).toBe(`apikey:${'a'.repeat(24)}`);
  });

  it.each([
    ['no key', {}, /x-api-key header/, 'missing_key', 'anonymous'],
    ['an unknown key', { 'x-api-key': 'wrong' }, /not valid/, 'unknown_key', 'anonymous'],
    ['a revoked key', { 'x-api-key': REVOKED }, /not valid/, 'revoked_key', `apikey:${'b'.repeat(24)}`],
  ])('refuses %s with 401 and audits why, without the key', async (_, headers, message, reason, actor) => {
    const attempt = run(MessagesLike, 'list', { headers });
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toMatchObject({ httpStatus: 401, code: 'unauthorized' });
    expect(audited).toEqual([expect.objectContaining({ action: 'access.denied', actor, details: expect.objectContaining({ status: 401, reason }) })]);
    expect(JSON.stringify(audited)).not.toContain(REVOKED);
  });

  it('answers 403 insufficient_scope when the key lacks the scope, and audits it', async () => {
    const attempt = run(MessagesLike, 'list', { method: 'GET', headers: { 'x-api-key': SEND_ONLY } });
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    await expect(attempt).rejects.toMatchObject({ httpStatus: 403, code: 'insufficient_scope', details: { requiredScopes: ['messages:read'] } });
    expect(audited[0]).toMatchObject({ actor: `apikey:${'a'.repeat(24)}`, details: { status: 403, reason: 'insufficient_scope' } });
  });

  it('needs admin on routes nobody mapped, and honours @RequireScopes', async () => {
    await expect(run(Undecorated, 'read', { headers: { 'x-api-key': SEND_ONLY } })).rejects.toMatchObject({ httpStatus: 403 });
    await expect(run(Decorated, 'read', { headers: { 'x-api-key': SEND_ONLY } })).rejects.toMatchObject({
      details: { requiredScopes: ['messages:read'] },
    });
  });

  it('leaves public routes open', async () => {
    await expect(run(Decorated, 'open', { headers: {} })).resolves.toBe(true);
    expect(audited).toEqual([]);
  });

  it('still answers 401 when the audit log cannot be written', async () => {
    const failing = new ApiKeyGuard(new Reflector(), authenticator, { record: async () => Promise.reject(new Error('down')) } as unknown as AuditService);
    await expect(failing.canActivate(contextFor(MessagesLike, 'list', { headers: {} }))).rejects.toMatchObject({ httpStatus: 401 });
  });

  it("keeps root-only routes to the root project's keys, and audits a refusal under the caller's project", async () => {
    const project: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': PROJECT_ADMIN } };
    await expect(run(RootOnly, 'list', project)).rejects.toMatchObject({ httpStatus: 403, code: 'root_project_only' });
    expect(audited[0]).toMatchObject({ actor: `apikey:${'c'.repeat(24)}`, projectId: 'd'.repeat(24), details: { status: 403, reason: 'root_project_only' } });
    const root: Partial<AuthenticatedRequest> = { headers: { 'x-api-key': 'boot-one' } };
    await expect(run(RootOnly, 'list', root)).resolves.toBe(true);
    expect(root.principal?.projectId).toBe('root');
    const stored: Partial<AuthenticatedRequest> = { method: 'POST', headers: { 'x-api-key': SEND_ONLY } };
    await run(MessagesLike, 'send', stored);
    expect(stored.principal?.projectId).toBe('root');
  });
});
