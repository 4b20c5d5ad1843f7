import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { hashApiKey } from '../api-keys/api-key-secret';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ROOT_PROJECT } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { Principal, SCOPES } from './scopes';

export type Refusal = 'missing_key' | 'unknown_key' | 'revoked_key';

/** Either who the caller is, or why they are nobody (and the actor to blame in the audit log). */
export type Identity = { principal: Principal } | { refusal: Refusal; actor: string };

/**
 * Recognises the x-api-key header: bootstrap keys from API_KEYS (every scope, the root project)
 * first, then stored keys (their own project's). Both the rate limiter (to count per key) and the auth guard ask, so the answer is computed
 * once per request.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly bootstrapKeys: ReadonlyMap<string, Principal>;
  private readonly perRequest = new WeakMap<object, Promise<Identity>>();

  constructor(
    config: AppConfig,
    private readonly apiKeys: ApiKeysService,
  ) {
    // Compared by SHA-256, so lookup time does not depend on how much of a guess matches; the
    // actor is a short fingerprint of the hash, never the key.
    this.bootstrapKeys = new Map(
      config.apiKeys.map((key) => hashApiKey(key)).map((hash) => [hash, { actor: `apikey:${hash.slice(0, 8)}`, scopes: SCOPES, projectId: ROOT_PROJECT }]),
    );
  }

  identify(request: Request): Promise<Identity> {
    let identity = this.perRequest.get(request);
    if (!identity) {
      identity = this.resolve(request.headers['x-api-key']);
      this.perRequest.set(request, identity);
    }
    return identity;
  }

  private async resolve(presented: string | string[] | undefined): Promise<Identity> {
    if (typeof presented !== 'string' || presented === '') return { refusal: 'missing_key', actor: 'anonymous' };
    const bootstrap = this.bootstrapKeys.get(hashApiKey(presented));
    if (bootstrap) return { principal: bootstrap };
    const stored = await this.apiKeys.findByKey(presented);
    if (!stored) return { refusal: 'unknown_key', actor: 'anonymous' };
    const actor = `apikey:${stored.id}`;
    if (stored.revokedAt) return { refusal: 'revoked_key', actor };
    return { principal: { actor, scopes: stored.scopes, keyId: stored.id, projectId: stored.projectId ?? ROOT_PROJECT } };
  }
}
