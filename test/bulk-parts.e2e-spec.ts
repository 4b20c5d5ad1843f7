import type { INestApplication } from '@nestjs/common';
import { ObjectId } from 'mongodb';
import request from 'supertest';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const RESUME_AFTER_MS = 3000;

/**
 * A bulk send is accepted as a few stored parts and its batch; the API writes the parts out as
 * messages after its 202. These tests stop the API in the middle of that, and store parts by hand
 * as a stopped API would have left them, to show that nothing accepted is lost, that a part
 * written out twice changes nothing, and that a part whose batch was never stored is dropped.
 */
describe('bulk sends: parts written out after the answer', () => {
  let system: RunningSystem;
  let api: INestApplication;
  const http = () => request(api.getHttpServer());
  const db = () => system.mongo.db(system.dbName);
  const progress = async (batchId: string) => (await http().get(`/v1/batches/${batchId}`).set('x-api-key', TEST_API_KEY).expect(200)).body;
  const sentTo = (body: string) => system.sandbox.messages().filter((m) => m.body === body).map((m) => m.to);

  beforeAll(async () => {
    // While the API is stopped, the worker goes on sending and Twilio's status callbacks to the API
    // fail; Twilio does not retry them. The reconciler asks Twilio for those messages' status (after
    // 15 minutes by default; seconds here), as it would after any outage of the API. How long the
    // API takes to stop (it finishes the part it is writing) depends on the machine's load.
    system = await startSystem({
      env: {
        OUTBOX_RELAY_INTERVAL_MS: '250', BULK_RESUME_AFTER_MS: String(RESUME_AFTER_MS), RECONCILE_INTERVAL_MS: '2000', RECONCILE_AFTER_MS: '5000',
      },
    });
    api = system.api;
  });
  afterAll(async () => {
    if (api !== system?.api) await api?.close();
    await system?.close();
  });

  it('writes out the parts an API left when it stopped right after its 202, once another one starts', async () => {
    // Two parts: 1,000 recipients and 100.
    const recipients = Array.from({ length: 1100 }, (_, i) => ({ to: `+55119${71000000 + i}` }));
    const accepted = await http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'stopped halfway', recipients }).expect(202);
    const { batchId } = accepted.body;
    // Stopping finishes the part being written; the one behind it stays stored.
    await api.close();
    const left = (await db().collection('batch_parts').find({ batchId }).toArray()).reduce((n, part) => n + part.ids.length, 0);
    expect(left).toBeGreaterThanOrEqual(100);
    expect(await db().collection('messages').countDocuments({ batchId })).toBe(1100 - left);

    const { createApiApp } = await import('../src/bootstrap');
    api = await createApiApp();
    await api.listen(Number(system.env.PORT), '127.0.0.1');
    // Not yet written out: counted as queued, not lost.
    const early = await progress(batchId);
    expect(early.counts.queued).toBeGreaterThanOrEqual(left);
    expect(Object.values(early.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1100);

    const done = await waitFor('batch done', async () => {
      const batch = await progress(batchId);
      return batch.percentDone === 100 && batch;
    }, 240_000, 1000);
    expect(done.counts).toEqual({ delivered: 1100 });
    expect(await db().collection('batch_parts').countDocuments({ batchId })).toBe(0);
    const sent = sentTo('stopped halfway');
    expect(sent).toHaveLength(1100);
    expect(new Set(sent).size).toBe(1100);
    const audited = await db().collection('audit_log').countDocuments({ action: 'message.accepted', 'details.batchId': batchId });
    expect(audited).toBe(1100);
  }, 300_000);

  it('writing a part out again (stopped before deleting it) changes nothing and sends nothing twice', async () => {
    const accepted = await http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'written twice', recipients: [{ to: '+5511972000001' }, { to: '+5511972000002' }] }).expect(202);
    const { batchId } = accepted.body;
    await waitFor('delivered', async () => (await progress(batchId)).percentDone === 100);
    const stored = await db().collection('messages').find({ batchId }).sort({ _id: 1 }).toArray();
    const before = stored.map(({ _id, status, history, updatedAt }) => ({ _id, status, history, updatedAt }));

    // The part as it was stored, dated as if it had been waiting since before BULK_RESUME_AFTER_MS.
    await db().collection('batch_parts').insertOne({
      _id: ObjectId.createFromTime(Math.floor((Date.now() - 2 * RESUME_AFTER_MS) / 1000)),
      batchId, acceptedAt: stored[0].createdAt, createdBy: stored[0].createdBy,
      ids: stored.map((m) => m._id.toHexString()), to: stored.map((m) => m.to), bodies: stored.map((m) => m.body),
      segments: stored.map((m) => m.segments), encodings: stored.map((m) => m.encoding),
    });
    await waitFor('the part taken up', async () => (await db().collection('batch_parts').countDocuments({ batchId })) === 0, 20_000, 250);
    // Its commands were owed again and republished: the worker finds the messages already sent.
    await waitFor('outbox empty', async () => (await db().collection('outbox').countDocuments()) === 0, 20_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const after = await db().collection('messages').find({ batchId }).sort({ _id: 1 }).toArray();
    expect(after.map(({ _id, status, history, updatedAt }) => ({ _id, status, history, updatedAt }))).toEqual(before);
    expect(sentTo('written twice').sort()).toEqual(['+5511972000001', '+5511972000002']);
    for (const message of stored) {
      expect(await db().collection('audit_log').countDocuments({ action: 'message.accepted', messageId: message._id.toHexString() })).toBe(1);
    }
  }, 60_000);

  it('writes a scheduled bulk send out as `scheduled` messages, their commands due at sendAt, each one cancelable', async () => {
    const sendAt = new Date(Date.now() + 10 * 60_000);
    const recipients = ['+5511972000011', '+5511972000012', '+5511972000013'].map((to) => ({ to }));
    const accepted = await http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'later, in bulk', recipients, sendAt: sendAt.toISOString() }).expect(202);
    const { batchId } = accepted.body;
    const messages = await waitFor('written out', async () => {
      const found = await db().collection('messages').find({ batchId }).sort({ to: 1 }).toArray();
      return found.length === 3 && found;
    }, 20_000, 250);
    expect(messages.map((m) => [m.to, m.status, m.sendAt.getTime()])).toEqual(recipients.map(({ to }) => [to, 'scheduled', sendAt.getTime()]));
    const owed = await db().collection('outbox').find({ _id: { $in: messages.map((m) => m._id) } }).toArray();
    expect(owed.map((entry) => entry.dueAt.getTime())).toEqual([sendAt.getTime(), sendAt.getTime(), sendAt.getTime()]);
    expect((await progress(batchId)).counts).toEqual({ scheduled: 3 });

    const canceled = await http().post(`/v1/messages/${messages[0]._id.toHexString()}/cancel`).set('x-api-key', TEST_API_KEY).send({}).expect(200);
    expect(canceled.body.status).toBe('canceled');
    expect((await progress(batchId)).counts).toEqual({ scheduled: 2, canceled: 1 });
    expect(sentTo('later, in bulk')).toEqual([]);
  }, 40_000);

  it('drops a part whose batch was never stored (its request failed before the answer), sending nothing', async () => {
    const batchId = new ObjectId().toHexString();
    const id = new ObjectId().toHexString();
    await db().collection('batch_parts').insertOne({
      _id: ObjectId.createFromTime(Math.floor((Date.now() - 2 * RESUME_AFTER_MS) / 1000)),
      batchId, acceptedAt: new Date(), createdBy: 'apikey:test',
      ids: [id], to: ['+5511972000003'], bodies: ['never accepted'], segments: [1], encodings: ['GSM-7'],
    });
    await waitFor('the part dropped', async () => (await db().collection('batch_parts').countDocuments({ batchId })) === 0, 20_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await db().collection('messages').countDocuments({ _id: new ObjectId(id) })).toBe(0);
    expect(await db().collection('outbox').countDocuments({ _id: new ObjectId(id) })).toBe(0);
    expect(sentTo('never accepted')).toEqual([]);
  }, 40_000);
});
