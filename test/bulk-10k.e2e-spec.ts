import type { ChildProcess } from 'node:child_process';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

const RECIPIENTS = 10_000;

/**
 * The full size of one call, on the real API, worker, RabbitMQ and FerretDB: 10,000 recipients
 * are accepted in one request and followed until every one has ended delivered or with a recorded
 * reason. The worker runs as production runs it, a process of its own (`node dist/worker.js`),
 * beside the API and the sandbox in this one; FerretDB on this 2-core machine carries a few dozen
 * sends a second end to end (status callbacks included), so the test takes several minutes.
 */
describe('bulk sends at size', () => {
  let system: RunningSystem;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    // Under load some status callbacks time out, as they can in production: the reconciler makes up for them.
    system = await startSystem({ worker: false, env: { SMS_PREFETCH: '20', RECONCILE_AFTER_MS: '60000', RECONCILE_INTERVAL_MS: '10000' } });
    worker = spawnWorker(system.env);
  });
  afterAll(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exited(worker);
    await system?.close();
    // Dropping a database of thousands of messages takes FerretDB a while under load.
  }, 300_000);

  it(`accepts ${RECIPIENTS.toLocaleString('en')} recipients in one call and follows every one to delivered or a recorded reason`, async () => {
    const recipients = Array.from({ length: RECIPIENTS }, (_, i) => ({ to: `+55119${70000000 + i}` }));
    const started = Date.now();
    const response = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'Bulk of ten thousand', recipients }).expect(202);
    const acceptMs = Date.now() - started;
    expect(response.body).toMatchObject({ accepted: RECIPIENTS, rejected: [] });
    const { batchId } = response.body;
    const db = system.mongo.db(system.dbName);
    // Accepted as a few stored parts; the API writes them out as messages after its 202.
    await batchWrittenOut(system, batchId, RECIPIENTS, 120_000, 1000);
    const writtenS = ((Date.now() - started) / 1000).toFixed(1);

    const batch = await waitFor('every message in a final status', async () => {
      const progress = (await system.http().get(`/v1/batches/${batchId}`).set('x-api-key', TEST_API_KEY)).body;
      return progress.percentDone === 100 && progress;
    }, 60 * 60_000, 30_000); // each look aggregates the whole batch: not too often
    const finishedS = Math.round((Date.now() - started) / 1000);
    const unexplained = await db.collection('messages').countDocuments({
      batchId, status: { $ne: 'delivered' }, errorDescription: { $exists: false }, 'history.detail': { $exists: false },
    });
    const sends = system.sandbox.messages().filter((message) => message.body === 'Bulk of ten thousand');
    const duplicates = sends.length - new Set(sends.map((message) => message.to)).size;
    process.stdout.write(`bulk ${RECIPIENTS}: 202 after ${acceptMs} ms; all written out after ${writtenS} s; all final after ${finishedS} s (${(RECIPIENTS / finishedS).toFixed(1)} msg/s); `
      + `counts ${JSON.stringify(batch.counts)}; ${duplicates} duplicate sends\n`);
    expect(Object.values(batch.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(RECIPIENTS);
    expect(unexplained).toBe(0);
    expect(batch.counts.delivered).toBe(RECIPIENTS);
    expect(duplicates).toBe(0);
    expect(await db.collection('outbox').countDocuments()).toBe(0);
    expect(await db.collection('batch_parts').countDocuments()).toBe(0);
  }, 65 * 60_000);
});
