import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { IdempotencyRepository, StoredKey } from './idempotency.repository';

const PURGE_EVERY_MS = 10 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function replayOf<T>(stored: StoredKey | null, fingerprint: string): T {
  if (stored && stored.fingerprint !== fingerprint) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body', 422);
  }
  if (stored?.response === undefined) {
    throw new DomainError('idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', 409);
  }
  return stored.response as T;
}

export interface IdempotentResult<T> {
  value: T;
  replay: boolean;
}

/**
 * `Idempotency-Key`: the first request with a key does the work and its answer is kept; a repeat
 * with the same body gets that answer again, a repeat with another body is refused (422), and a
 * repeat while the first is still running is told to wait (409).
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly config: AppConfig,
  ) {}

  async run<T>(scope: string, key: string, request: unknown, work: () => Promise<T>): Promise<IdempotentResult<T>> {
    if (!KEY_PATTERN.test(key)) {
      throw new DomainError('invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters', 400);
    }
    const id = `${scope}:${key}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    if (await this.claim(id, fingerprint)) {
      return { value: await this.perform(id, work), replay: false };
    }
    return { value: replayOf<T>(await this.repository.find(id), fingerprint), replay: true };
  }

  /** Takes the key, treating one that has expired (and not yet been purged) as free. */
  private async claim(id: string, fingerprint: string): Promise<boolean> {
    const expiresAt = new Date(Date.now() + this.config.idempotencyTtlMs);
    if (await this.repository.claim(id, fingerprint, expiresAt)) return true;
    const stored = await this.repository.find(id);
    if (stored && stored.expiresAt >= new Date()) return false;
    await this.repository.release(id);
    return this.repository.claim(id, fingerprint, expiresAt);
  }

  private async perform<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      const value = await work();
      await this.repository.complete(id, value);
      return value;
    } catch (error) {
      // A failed request leaves nothing behind, so the client can retry with the same key.
      await this.repository.release(id);
      throw error;
    }
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.repository.deleteExpired(new Date()).catch(() => undefined), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
