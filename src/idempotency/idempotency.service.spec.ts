import { createHash } from 'node:crypto';
import type { AppConfig } from '../config/app-config';
import { IdempotencyRepository, StoredKey } from './idempotency.repository';
import { IdempotencyService, IdempotentWork, IN_PROGRESS_MS } from './idempotency.service';
import { OutcomeUnknownError } from './outcome-unknown.error';

/** The keys collection as a map: claim is the unique insert, the rest as the repository does them. */
function keysDouble() {
  const keys = new Map<string, StoredKey>();
  let down = false;
  const reachable = () => {
    if (down) throw new Error('store unreachable');
  };
  const repository = {
    claim: async (id: string, key: StoredKey) => (reachable(), keys.has(id) ? false : (keys.set(id, { ...key }), true)),
    find: async (id: string) => (reachable(), keys.get(id) ?? null),
    complete: async (id: string, response: unknown) => (reachable(), void (keys.get(id)!.response = response)),
    release: async (id: string) => (reachable(), void keys.delete(id)),
  };
  return { keys, repository, setDown: (value: boolean) => (down = value) };
}

describe('IdempotencyService', () => {
  let store: ReturnType<typeof keysDouble>;
  let service: IdempotencyService;
  /** What the work stored, by reserved id; and how many times it was performed. */
  let stored: Map<string, string>;
  let performed: string[];
  let nextId: number;
  let failWith: Error | undefined;

  let work: IdempotentWork<{ id: string }>;
  const send = () => service.run('apikey:x', 'order-1', { to: '+5511987654321' }, work);

  beforeEach(() => {
    store = keysDouble();
    service = new IdempotencyService(store.repository as unknown as IdempotencyRepository, { idempotencyTtlMs: 86_400_000 } as AppConfig);
    stored = new Map();
    performed = [];
    nextId = 0;
    failWith = undefined;
    work = {
      reserve: () => `m${(nextId += 1)}`,
      perform: async (id) => {
        performed.push(id);
        if (failWith) throw failWith;
        stored.set(id, 'queued');
        return { id };
      },
      recover: async (id) => (stored.has(id) ? { id } : undefined),
    };
  });

  it('keeps the key bound after an unknown outcome: a repeat answers from what the first try stored', async () => {
    // The store applied the write but its reply was lost, then the answer could not be kept either.
    work.perform = jest.fn(async (id: string) => {
      stored.set(id, 'queued');
      throw new OutcomeUnknownError(new Error('connection closed'));
    });
    await expect(send()).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(store.keys.get('apikey:x:order-1')).toMatchObject({ reservedId: 'm1' });
    expect(store.keys.get('apikey:x:order-1')?.response).toBeUndefined();
    await expect(send()).resolves.toEqual({ value: { id: 'm1' }, replay: true });
    expect(store.keys.get('apikey:x:order-1')?.response).toEqual({ id: 'm1' });
  });

  it('answers an accepted request even if its answer cannot be kept, and a repeat recovers it', async () => {
    work.perform = jest.fn(async (id: string) => {
      stored.set(id, 'queued');
      store.setDown(true);
      return { id };
    });
    await expect(send()).resolves.toEqual({ value: { id: 'm1' }, replay: false });
    store.setDown(false);
    await expect(send()).resolves.toEqual({ value: { id: 'm1' }, replay: true });
    expect(work.perform).toHaveBeenCalledTimes(1);
  });

  it('frees the key of a request that failed with nothing stored', async () => {
    failWith = new Error('outbox insert refused');
    await expect(send()).rejects.toThrow('outbox insert refused');
    expect(store.keys.size).toBe(0);
  });

  it('tells a repeat to wait while the first try may still be at work, then performs it again under the same id', async () => {
    failWith = new OutcomeUnknownError(new Error('connection closed'));
    await expect(send()).rejects.toBeInstanceOf(OutcomeUnknownError);
    failWith = undefined;
    await expect(send()).rejects.toMatchObject({ code: 'idempotency_in_progress' });
    const key = store.keys.get('apikey:x:order-1')!;
    key.claimedAt = new Date(Date.now() - IN_PROGRESS_MS - 1);
    await expect(send()).resolves.toEqual({ value: { id: 'm1' }, replay: false });
    expect(performed).toEqual(['m1', 'm1']);
    await expect(send()).resolves.toEqual({ value: { id: 'm1' }, replay: true });
  });

  it('keeps waiting on a key claimed without a reserved id (by an older version)', async () => {
    const fingerprint = createHash('sha256').update(JSON.stringify({ to: '+5511987654321' })).digest('hex');
    store.keys.set('apikey:x:order-1', { fingerprint, expiresAt: new Date(Date.now() + 60_000) });
    await expect(send()).rejects.toMatchObject({ code: 'idempotency_in_progress' });
    expect(performed).toEqual([]);
  });
});
