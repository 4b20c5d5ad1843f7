import { hashApiKey } from '../src/api-keys/api-key-secret';
import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

const OTHER_API_KEY = 'second-test-api-key-with-entropy';
const DAY_MS = 24 * 3_600_000;

interface StoredKey {
  _id: string;
  fingerprint: string;
  response?: unknown;
  expiresAt: Date;
}

/** `Idempotency-Key` on POST /v1/messages: one send per key, whatever the client repeats. */
describe('Idempotency-Key on POST /v1/messages', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let other: DeliveryKit;

  beforeAll(async () => {
    system = await startSystem({ env: { API_KEYS: `${TEST_API_KEY},${OTHER_API_KEY}` } });
    kit = deliveryKit(system);
    other = deliveryKit(system, OTHER_API_KEY);
  });
  afterAll(async () => {
    await system?.close();
  });

  const keys = () => system.mongo.db(system.dbName).collection<StoredKey>('idempotency_keys');
  const messages = () => system.mongo.db(system.dbName).collection('messages');
  /** Where the service keeps a key: `<actor>:<key>`, the actor being the API key's hash prefix. */
  const storedId = (key: string, apiKey = TEST_API_KEY) => `apikey:${hashApiKey(apiKey).slice(0, 8)}:${key}`;
  const withKey = (key: string) => ({ 'Idempotency-Key': key });

  it('answers a repeat with the first response (Idempotency-Replay: true) and sends once', async () => {
    const to = brMobile(40001);
    const body = { to, body: 'pay your invoice' };
    const first = await kit.post(body, withKey('order-40001')).expect(202);
    expect(first.headers['idempotency-replay']).toBeUndefined();
    const second = await kit.post(body, withKey('order-40001')).expect(202);
    expect(second.headers['idempotency-replay']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.text).toBe(first.text);

    await kit.until(first.body.id, ['delivered']);
    const third = await kit.post(body, withKey('order-40001')).expect(202);
    // The remembered answer is the first one, not the message's current state.
    expect(third.body).toEqual(first.body);
    expect(await messages().countDocuments({ to })).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('refuses the same key with another body (422), and stores nothing', async () => {
    const to = brMobile(40002);
    await kit.post({ to, body: 'first' }, withKey('order-40002')).expect(202);
    const reused = await kit.post({ to, body: 'second' }, withKey('order-40002')).expect(422);
    expect(reused.body).toMatchObject({ statusCode: 422, code: 'idempotency_key_reused', message: expect.any(String) });
    expect(reused.headers['idempotency-replay']).toBeUndefined();
    const otherRecipient = await kit.post({ to: brMobile(40102), body: 'first' }, withKey('order-40002')).expect(422);
    expect(otherRecipient.body.code).toBe('idempotency_key_reused');
    expect(await messages().countDocuments({ to: { $in: [to, brMobile(40102)] } })).toBe(1);
  });

  it('answers 409 while the first request with the key is still being processed', async () => {
    const to = brMobile(40003);
    const body = { to, body: 'still working on it' };
    // The state the first request leaves while it works: the key claimed, with this body's fingerprint, no response yet.
    await kit.post(body, withKey('order-40003-done')).expect(202);
    const done = await keys().findOne({ _id: storedId('order-40003-done') });
    expect(done?.response).toBeDefined();
    await keys().insertOne({ _id: storedId('order-40003'), fingerprint: done!.fingerprint, expiresAt: new Date(Date.now() + DAY_MS) });

    const busy = await kit.post(body, withKey('order-40003')).expect(409);
    expect(busy.body).toMatchObject({ statusCode: 409, code: 'idempotency_in_progress' });
    expect(await messages().countDocuments({ to })).toBe(1);

    // Once the first one finishes, the repeat gets its answer.
    await keys().updateOne({ _id: storedId('order-40003') }, { $set: { response: { id: 'the-first-answer' } } });
    const replay = await kit.post(body, withKey('order-40003')).expect(202);
    expect(replay.body).toEqual({ id: 'the-first-answer' });
    expect(replay.headers['idempotency-replay']).toBe('true');
  });

  it('lets exactly one of many concurrent identical requests do the work', async () => {
    const to = brMobile(40004);
    const body = { to, body: 'clicked five times' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => kit.post(body, withKey('order-40004'))));
    const firsts = answers.filter((answer) => answer.status === 202 && answer.headers['idempotency-replay'] === undefined);
    expect(firsts).toHaveLength(1);
    for (const answer of answers) {
      expect([202, 409]).toContain(answer.status);
      if (answer.status === 202) expect(answer.body).toEqual(firsts[0].body);
      else expect(answer.body.code).toBe('idempotency_in_progress');
    }
    await kit.until(firsts[0].body.id, ['delivered']);
    expect(await messages().countDocuments({ to })).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('keeps keys per API caller: another key holder with the same key gets its own message', async () => {
    const to = brMobile(40005);
    const body = { to, body: 'same key, two callers' };
    const mine = await kit.post(body, withKey('shared-key')).expect(202);
    const theirs = await other.post(body, withKey('shared-key')).expect(202);
    expect(theirs.headers['idempotency-replay']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
    // …and another body from the other caller is not a reuse of my key.
    await other.post({ to, body: 'theirs, different' }, withKey('shared-key-2')).expect(202);
    await kit.post(body, withKey('shared-key-2')).expect(202);
    await Promise.all([mine.body.id, theirs.body.id].map((id) => kit.until(id, ['delivered'])));
    expect(await messages().countDocuments({ to })).toBe(4);
  });

  it.each([
    ['300 characters', 'k'.repeat(300)],
    ['a space', 'two words'],
    ['non-ASCII', 'pedido-ção'],
  ])('refuses a key with %s (400) and stores nothing', async (_, key) => {
    const to = brMobile(40006);
    const response = await kit.post({ to, body: 'bad key' }, withKey(key)).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'invalid_idempotency_key' });
    expect(await messages().countDocuments({ to })).toBe(0);
  });

  it('accepts a key of 255 visible characters', async () => {
    await kit.post({ to: brMobile(40007), body: 'long key' }, withKey('k'.repeat(255))).expect(202);
  });

  it('remembers a key for at least 24 hours', async () => {
    const before = Date.now();
    await kit.post({ to: brMobile(40008), body: 'remember me' }, withKey('order-40008')).expect(202);
    const stored = await keys().findOne({ _id: storedId('order-40008') });
    expect(stored).not.toBeNull();
    expect(stored!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + DAY_MS);
    expect(stored!.response).toMatchObject({ id: expect.any(String), status: 'queued' });
  });

  it('forgets a key whose request failed, so the client can correct it and retry', async () => {
    const to = brMobile(40009);
    await kit.post({ to: '123', body: 'typo' }, withKey('order-40009')).expect(400);
    expect(await keys().findOne({ _id: storedId('order-40009') })).toBeNull();
    const retried = await kit.post({ to, body: 'typo' }, withKey('order-40009')).expect(202);
    expect(retried.headers['idempotency-replay']).toBeUndefined();
  });

  it('treats an expired key as new', async () => {
    const to = brMobile(40010);
    await keys().insertOne({
      _id: storedId('order-40010'), fingerprint: 'from another body', response: { id: 'old' }, expiresAt: new Date(Date.now() - 1000),
    });
    const fresh = await kit.post({ to, body: 'after expiry' }, withKey('order-40010')).expect(202);
    expect(fresh.headers['idempotency-replay']).toBeUndefined();
    expect(fresh.body.id).not.toBe('old');
    expect(await messages().countDocuments({ to })).toBe(1);
  });
});
