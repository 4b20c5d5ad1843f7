import { brMobile } from './support/delivery-kit';
import { MongoCommandProxy } from './support/mongo-command-proxy';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const STORE_BACK_MS = 90_000;

/**
 * The store cut at exact moments of an acceptance (after a given insert, before or after its
 * reply): the answer follows the commit point, the messages' insert. A 202 means the message is
 * sent, once, and its acceptance ends up on record; a 5xx before it leaves nothing that is sent; a
 * lost reply is said as such, and a repeat with the Idempotency-Key learns the outcome.
 */
describe('acceptance: the answer follows the commit point', () => {
  let system: RunningSystem;
  let store: MongoCommandProxy;

  beforeAll(async () => {
    store = await new MongoCommandProxy('127.0.0.1', 27017).start();
    system = await startSystem({
      env: { OUTBOX_RELAY_INTERVAL_MS: '200', BULK_RESUME_AFTER_MS: '3000' },
      mongodbUri: store.route(testServiceUrls().mongodbUri),
    });
  });
  // A failed expectation must not leave the next test without a store.
  afterEach(() => store.restore());
  afterAll(async () => {
    store?.restore();
    await system?.close();
    await store?.close();
  });

  const db = () => system.mongo.db(system.dbName);
  const post = (to: string, body: string, key: string) =>
    system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).set('Idempotency-Key', key).send({ to, body });
  /** The client's retry loop: the same request with its key until it is answered 202. */
  const repeatUntilAccepted = (to: string, body: string, key: string) => waitFor(`${key} accepted on a repeat`, async () => {
    const answer = await post(to, body, key);
    return answer.status === 202 && answer;
  }, STORE_BACK_MS, 250);
  const delivered = (to: string) => waitFor(`a message to ${to} delivered`, async () =>
    (await db().collection('messages').findOne({ to }))?.status === 'delivered', STORE_BACK_MS, 250);
  const acceptances = (messageId: string) => db().collection('audit_log').countDocuments({ action: 'message.accepted', messageId });
  const auditedOnce = (messageId: string) => waitFor(`${messageId} audited`, async () => (await acceptances(messageId)) === 1, STORE_BACK_MS, 250);

  it('answers 202 once the message is stored, though the store goes away before its audit entry; sent once, audited once', async () => {
    const to = brMobile(66001);
    const cut = store.cutAtCommand({ command: 'insert', collection: 'messages' }, 'after-reply');
    const answer = await post(to, 'committed before the cut', 'commit-a');
    await cut;
    store.restore();
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ to, status: 'queued' });

    await delivered(to);
    await auditedOnce(answer.body.id);
    const repeat = await repeatUntilAccepted(to, 'committed before the cut', 'commit-a');
    expect(repeat.body).toEqual(answer.body);
    expect(repeat.headers['idempotency-replay']).toBe('true');
    expect(await db().collection('messages').countDocuments({ to })).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect(await acceptances(answer.body.id)).toBe(1);
  }, 240_000);

  it('answers 5xx and stores nothing that is sent when the store goes away before the message; the repeat sends it once', async () => {
    const to = brMobile(66002);
    const cut = store.cutAtCommand({ command: 'insert', collection: 'outbox' }, 'after-reply');
    const answer = await post(to, 'cut before the message', 'commit-b');
    await cut;
    // The message insert met a closed connection: the app cannot tell it from a lost reply, and says so.
    expect(answer.status).toBe(503);
    expect(['database_unavailable', 'outcome_unknown']).toContain(answer.body.code);
    expect(await db().collection('messages').countDocuments({ to })).toBe(0);
    store.restore();

    // Told to wait (409) while the first try might still be at work, then performed under the reserved id.
    const repeat = await repeatUntilAccepted(to, 'cut before the message', 'commit-b');
    await delivered(to);
    await auditedOnce(repeat.body.id);
    expect(await db().collection('messages').countDocuments({ to })).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  }, 240_000);

  it('says the outcome is unknown when the reply to the message insert is lost, and the repeat finds the stored message', async () => {
    const to = brMobile(66003);
    const cut = store.cutAtCommand({ command: 'insert', collection: 'messages' }, 'before-reply');
    const answer = await post(to, 'reply lost', 'commit-c');
    await cut;
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('outcome_unknown');
    // The store did apply it: the message will be sent, so the key must not be freed.
    const stored = await db().collection('messages').findOne({ to });
    expect(stored).not.toBeNull();
    store.restore();

    const repeat = await repeatUntilAccepted(to, 'reply lost', 'commit-c');
    expect(repeat.body).toMatchObject({ id: stored!._id.toHexString(), to, status: 'queued' });
    await delivered(to);
    await auditedOnce(repeat.body.id);
    expect(await db().collection('messages').countDocuments({ to })).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  }, 240_000);
});
