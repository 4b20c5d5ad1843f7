import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../common/request-context';
import { SCOPES, Scope } from '../auth/scopes';
import { NotFoundError } from '../common/domain-error';
import { canSee, projectField, ROOT_PROJECT, visibleProject } from '../common/request-context';
import { ProjectsService, UnknownProjectError } from '../projects/projects.service';
import { generateApiKey, hashApiKey, looksLikeStoredKey } from './api-key-secret';
import { ApiKeyRecord, ApiKeysRepository } from './api-keys.repository';
import { ExpiringCache } from '../common/expiring-cache';

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
  /** Unset: the caller's own project. Only root keys may name another. */
  projectId?: string;
}

@Injectable()
export class ApiKeysService {
  // Promises, not values: concurrent requests with one key share a single database lookup.
  private readonly cache = new ExpiringCache<string, Promise<ApiKeyRecord | undefined>>(KEY_CACHE_TTL_MS, KEY_CACHE_MAX_ENTRIES);

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly projects: ProjectsService,
  ) {}

  /** The key is returned here and nowhere else: only its hash is kept. */
  async create(input: NewApiKey, context: RequestContext): Promise<{ record: ApiKeyRecord; key: string }> {
    const projectId = await this.projectOfNewKey(input.projectId, context);
    const key = generateApiKey();
    const scopes = SCOPES.filter((scope) => input.scopes.includes(scope));
    const record = await this.repository.insert({
      name: input.name, scopes, hash: hashApiKey(key), createdAt: new Date(), createdBy: context.actor, ...projectField(projectId),
    });
    await this.audit.record({
      actor: context.actor, action: AuditAction.ApiKeyCreated, requestId: context.requestId, projectId,
      details: { keyId: record.id, name: record.name, scopes, ...projectField(projectId) },
    });
    return { record, key };
  }

  /** The caller's project's keys (a root key's: every project's). */
  list(context: RequestContext): Promise<ApiKeyRecord[]> {
    return this.repository.list(visibleProject(context));
  }

  /** Idempotent: revoking a revoked key changes nothing and is not audited twice. Another project's key is not found. */
  async revoke(id: string, context: RequestContext): Promise<void> {
    const existing = await this.repository.findById(id);
    if (!existing || !canSee(context, existing)) throw new NotFoundError('API key', id);
    const result = await this.repository.revoke(id, new Date());
    if (!result) throw new NotFoundError('API key', id);
    this.cache.delete(result.record.hash);
    if (!result.revokedNow) return;
    await this.audit.record({
      actor: context.actor, action: AuditAction.ApiKeyRevoked, requestId: context.requestId, projectId: result.record.projectId,
      details: { keyId: id, name: result.record.name },
    });
  }

  /**
   * A project's admin makes keys for its own project; a root admin for any (and the root project).
   * Naming a project the caller cannot see answers as if it did not exist.
   */
  private async projectOfNewKey(requested: string | undefined, context: RequestContext): Promise<string> {
    if (requested === undefined || requested === context.projectId) return context.projectId;
    if (context.projectId !== ROOT_PROJECT) throw new UnknownProjectError(requested);
    await this.projects.ensureExists(requested);
    return requested;
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
