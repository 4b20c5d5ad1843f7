import { ObjectId } from 'mongodb';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { MongoCommandProxy } from './support/mongo-command-proxy';
import { testServiceUrls } from './support/services';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const RESUME_AFTER_MS = 3000;
const STORE_BACK_MS = 90_000;
const MINUTE_MS = 60_000;

/**
 * Bulk sends under a store cut at exact moments (the batch is the commit point), and the outbox
 * relay's orphans: an entry is judged by when it was written, so a part written out long after its
 * acceptance keeps its fresh entries while its messages are being stored.
 */
describe('bulk sends: the commit point and the relay\'s orphans', () => {
  let system: RunningSystem;
  let store: MongoCommandProxy;

  beforeAll(async () => {
    store = await new MongoCommandProxy('127.0.0.1', 27017).start();
    system = await startSystem({
      env: { OUTBOX_RELAY_INTERVAL_MS: '200', BULK_RESUME_AFTER_MS: String(RESUME_AFTER_MS) },
      mongodbUri: store.route(testServiceUrls().mongodbUri),
    });
  });
  afterEach(() => store.restore());
  afterAll(async () => {
    store?.restore();
    await system?.close();
    await store?.close();
  });

  const db = () => system.mongo.db(system.dbName);
  const bulk = (body: string, recipients: string[]) =>
    system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body, recipients: recipients.map((to) => ({ to })) });
  const sentTo = (body: string) => system.sandbox.messages().filter((m) => m.body === body).map((m) => m.to).sort();
  const audits = (filter: object) => db().collection('audit_log').countDocuments(filter);

  /** Resolves once the relay has run a whole pass that started after this call. */
  function relayPass(): Promise<void> {
    // Its timer runs one pass at a time (PeriodicTask), each through `relay`: a pass under way now started before the spy.
    const relay = system.api.get(OutboxRelay) as unknown as { relay(): Promise<number> };
    const original = relay.relay.bind(relay);
    return new Promise((resolve) => {
      const spy = jest.spyOn(relay, 'relay').mockImplementation(async () => {
        try {
          return await original();
        } finally {
          spy.mockRestore();
          resolve();
        }
      });
    });
  }

  it('answers 202 once the batch is stored, though the store goes away right after; each recipient sent once, all audited once', async () => {
    const recipients = ['+5511973000001', '+5511973000002', '+5511973000003'];
    const cut = store.cutAtCommand({ command: 'insert', collection: 'batches' }, 'after-reply');
    const answer = await bulk('bulk cut after the batch', recipients);
    await cut;
    store.restore();
    expect(answer.status).toBe(202);
    const { batchId } = answer.body;

    await waitFor('all sent', async () => sentTo('bulk cut after the batch').length === 3, STORE_BACK_MS, 250);
    await waitFor('the part written out and removed', async () => (await db().collection('batch_parts').countDocuments({ batchId })) === 0, STORE_BACK_MS, 250);
    expect(sentTo('bulk cut after the batch')).toEqual(recipients);
    expect(await audits({ action: 'batch.accepted', 'details.batchId': batchId })).toBe(1);
    expect(await audits({ action: 'message.accepted', 'details.batchId': batchId })).toBe(3);
  }, 180_000);

  it('answers 5xx when the store goes away before the batch, and sends nothing', async () => {
    const cut = store.cutAtCommand({ command: 'insert', collection: 'batch_parts' }, 'after-reply');
    const answer = await bulk('bulk cut before the batch', ['+5511973000011']);
    await cut;
    expect(answer.status).toBe(503);
    const parts = await db().collection('batch_parts').find({ bodies: 'bulk cut before the batch' }).toArray();
    expect(parts).toHaveLength(1);
    store.restore();
    // Its part, without a batch, is dropped by the sweep once it is old enough.
    await waitFor('the part dropped', async () => (await db().collection('batch_parts').countDocuments({ _id: parts[0]._id })) === 0, STORE_BACK_MS, 250);
    expect(await db().collection('messages').countDocuments({ batchId: parts[0].batchId })).toBe(0);
    expect(sentTo('bulk cut before the batch')).toEqual([]);
  }, 180_000);

  it('keeps the fresh outbox entries of a part written out long after its acceptance while its messages are being stored', async () => {
    const batchId = new ObjectId();
    const acceptedAt = new Date(Date.now() - 5 * MINUTE_MS);
    const ids = [new ObjectId(), new ObjectId()];
    const to = ['+5511973000021', '+5511973000022'];
    await db().collection('batches').insertOne({ _id: batchId, total: 2, accepted: 2, rejected: [], createdBy: 'apikey:test', createdAt: acceptedAt });
    const held = store.hold({ command: 'insert', collection: 'messages' });
    // Left behind by an API that stopped: the sweep takes it up.
    await db().collection('batch_parts').insertOne({
      _id: ObjectId.createFromTime(Math.floor(acceptedAt.getTime() / 1000)), batchId: batchId.toHexString(), acceptedAt, createdBy: 'apikey:test',
      accepted: 2, rejected: 0, ids: ids.map((id) => id.toHexString()), to, bodies: ['late part', 'late part'], segments: [1, 1], encodings: ['GSM-7', 'GSM-7'],
    });
    const release = await held;
    // Its entries are written, due at acceptance five minutes ago; its messages are held back.
    expect(await db().collection('outbox').countDocuments({ _id: { $in: ids } })).toBe(2);
    await relayPass();
    expect(await db().collection('outbox').countDocuments({ _id: { $in: ids } })).toBe(2);
    release();

    await batchWrittenOut(system, batchId.toHexString(), 2, 20_000, 250);
    await waitFor('both sent', async () => sentTo('late part').length === 2, 30_000, 250);
    expect(sentTo('late part')).toEqual(to);
  }, 90_000);

  it('drops an entry written longer ago than the orphan limit whose message never came, old entries without a write time too', async () => {
    const old = new Date(Date.now() - 2 * MINUTE_MS);
    const orphan = new ObjectId();
    const legacy = new ObjectId();
    const fresh = new ObjectId();
    await db().collection('outbox').insertMany([
      { _id: orphan, dueAt: old, createdAt: old },
      { _id: legacy, dueAt: old },
      { _id: fresh, dueAt: old, createdAt: new Date() },
    ]);
    await relayPass();
    const left = (await db().collection('outbox').find({ _id: { $in: [orphan, legacy, fresh] } }).toArray()).map((entry) => entry._id.toHexString());
    expect(left).toEqual([fresh.toHexString()]);
  }, 30_000);
});
