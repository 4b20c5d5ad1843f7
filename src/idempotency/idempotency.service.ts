import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { IdempotencyRepository, StoredKey } from './idempotency.repository';
import { OutcomeUnknownError } from './outcome-unknown.error';

const PURGE_EVERY_MS = 10 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/**
 * Far longer than a request takes (each store request gives up after 5 s): a key claimed this long
 * ago with no answer belongs to a request that stopped, and a repeat takes its work over.
 */
export const IN_PROGRESS_MS = 30_000;
/** A failed first try frees its key only this soon after the claim, before any repeat may take it over. */
const RELEASE_WITHIN_MS = IN_PROGRESS_MS / 2;

/** What an idempotent request does, in three parts so that a repeat can find or finish its work. */
export interface IdempotentWork<T> {
  /** An id for what the request creates, chosen before anything is written and kept with the key. */
  reserve(): string;
  /** Does the work under that id; `repeat`: an earlier try may have written some of it. */
  perform(reservedId: string, repeat: boolean): Promise<T>;
  /** The answer of an earlier try whose work was stored (past its commit point), if it was. */
  recover(reservedId: string): Promise<T | undefined>;
}

export interface IdempotentResult<T> {
  value: T;
  replay: boolean;
}

function checkedRepeat(stored: StoredKey | null, fingerprint: string): StoredKey {
  if (stored && stored.fingerprint !== fingerprint) {
    throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body', 422);
  }
  if (!stored) throw inProgress();
  return stored;
}

function inProgress(): DomainError {
  return new DomainError('idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly', 409);
}

/**
 * `Idempotency-Key`: the first request with a key does the work and its answer is kept; a repeat
 * with the same body gets that answer again, a repeat with another body is refused (422), and a
 * repeat while the first is still running is told to wait (409).
 *
 * A key is freed only when its request failed with nothing stored. Once the work may have been
 * stored (past its commit point, or its outcome unknown) the key stays bound to the reserved id: a
 * repeat answers from what was stored, or, once the first request has clearly stopped, performs
 * the work again under the same id, which stores nothing twice.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly config: AppConfig,
  ) {}

  async run<T>(scope: string, key: string, request: unknown, work: IdempotentWork<T>): Promise<IdempotentResult<T>> {
    if (!KEY_PATTERN.test(key)) {
      throw new DomainError('invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters', 400);
    }
    const id = `${scope}:${key}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const claimedAt = new Date();
    const reservedId = work.reserve();
    if (await this.claim(id, { fingerprint, claimedAt, reservedId, expiresAt: new Date(claimedAt.getTime() + this.config.idempotencyTtlMs) })) {
      return { value: await this.firstTry(id, claimedAt, () => work.perform(reservedId, false)), replay: false };
    }
    return this.repeat(id, checkedRepeat(await this.repository.find(id), fingerprint), work);
  }

  /** Takes the key, treating one that has expired (and not yet been purged) as free. */
  private async claim(id: string, key: Omit<StoredKey, 'response'>): Promise<boolean> {
    if (await this.repository.claim(id, key)) return true;
    const stored = await this.repository.find(id);
    if (stored && stored.expiresAt >= new Date()) return false;
    await this.repository.release(id);
    return this.repository.claim(id, key);
  }

  private async firstTry<T>(id: string, claimedAt: Date, perform: () => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await perform();
    } catch (error) {
      // Nothing was stored (a refusal, or a failure before the commit point): the client may retry.
      if (!(error instanceof OutcomeUnknownError)) await this.release(id, claimedAt);
      throw error;
    }
    await this.complete(id, value);
    return value;
  }

  private async repeat<T>(id: string, stored: StoredKey, work: IdempotentWork<T>): Promise<IdempotentResult<T>> {
    if (stored.response !== undefined) return { value: stored.response as T, replay: true };
    // Keys claimed before ids were reserved (or by a request still at work) can only be waited for.
    if (!stored.reservedId) throw inProgress();
    const recovered = await work.recover(stored.reservedId);
    if (recovered !== undefined) {
      await this.complete(id, recovered);
      return { value: recovered, replay: true };
    }
    if (!stored.claimedAt || Date.now() - stored.claimedAt.getTime() < IN_PROGRESS_MS) throw inProgress();
    // The first request stopped without storing its work, or lost the store's reply: finish it.
    const value = await work.perform(stored.reservedId, true);
    await this.complete(id, value);
    return { value, replay: false };
  }

  /** The answer is kept for repeats; if the store refuses now, a repeat recovers it from the work. */
  private async complete(id: string, value: unknown): Promise<void> {
    try {
      await this.repository.complete(id, value);
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'idempotency answer not kept; a repeat will find the stored work');
    }
  }

  /**
   * Frees the key of a failed request: at once if the store answers, else in the background for a
   * short while. Never later, when a repeat may be performing the work under the reserved id.
   */
  private async release(id: string, claimedAt: Date): Promise<void> {
    const deadline = claimedAt.getTime() + RELEASE_WITHIN_MS;
    const once = () => this.repository.release(id).then(() => true, () => false);
    if (await once()) return;
    void (async () => {
      while (Date.now() < deadline) {
        await sleep(500);
        if (Date.now() < deadline && (await once())) return;
      }
    })();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.repository.deleteExpired(new Date()).catch(() => undefined), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
