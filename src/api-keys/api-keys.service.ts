import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../common/request-context';
import { SCOPES, Scope } from '../auth/scopes';
import { NotFoundError } from '../common/domain-error';
import { generateApiKey, hashApiKey, looksLikeStoredKey } from './api-key-secret';
import { ApiKeyRecord, ApiKeysRepository } from './api-keys.repository';
import { ExpiringCache } from './expiring-cache';

/**
 * How long a looked-up key is trusted without asking the database again. Revocation evicts the entry
 * in the instance that revoked it at once; other API instances notice within this time. Short enough
 * to count as "immediate" for a stolen key, long enough that a busy key costs one query per window.
 */
export const KEY_CACHE_TTL_MS = 2000;
const KEY_CACHE_MAX_ENTRIES = 10_000;

export interface NewApiKey {
  name: string;
  scopes: Scope[];
}

@Injectable()
export class ApiKeysService {
  // Promises, not values: concurrent requests with one key share a single database lookup.
  private readonly cache = new ExpiringCache<string, Promise<ApiKeyRecord | undefined>>(KEY_CACHE_TTL_MS, KEY_CACHE_MAX_ENTRIES);

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly audit: AuditService,
  ) {}

  /** The key is returned here and nowhere else: only its hash is kept. */
  async create(input: NewApiKey, context: RequestContext): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = generateApiKey();
    const scopes = SCOPES.filter((scope) => input.scopes.includes(scope));
    const record = await this.repository.insert({
      name: input.name, scopes, hash: hashApiKey(key), createdAt: new Date(), createdBy: context.actor,
    });
    await this.audit.record({
      actor: context.actor, action: AuditAction.ApiKeyCreated, requestId: context.requestId,
      details: { keyId: record.id, name: record.name, scopes },
    });
    return { record, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.repository.list();
  }

  /** Idempotent: revoking a revoked key changes nothing and is not audited twice. */
  async revoke(id: string, context: RequestContext): Promise<void> {
    const result = await this.repository.revoke(id, new Date());
    if (!result) throw new NotFoundError('API key', id);
    this.cache.delete(result.record.hash);
    if (!result.revokedNow) return;
    await this.audit.record({
      actor: context.actor, action: AuditAction.ApiKeyRevoked, requestId: context.requestId,
      details: { keyId: id, name: result.record.name },
    });
  }

  /** The stored key matching what a caller presented, revoked or not; undefined when there is none. */
  findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    if (!looksLikeStoredKey(key)) return Promise.resolve(undefined);
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const lookup = this.repository.findByHash(hash);
    this.cache.set(hash, lookup);
    // A failed lookup (database down) must not be remembered as an answer.
    lookup.catch(() => this.cache.delete(hash));
    return lookup;
  }
}
