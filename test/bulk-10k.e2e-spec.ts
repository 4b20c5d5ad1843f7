import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

/**
 * The full size of one call: 10,000 recipients are accepted and every command is handed to the
 * broker. Following all 10,000 to delivery takes FerretDB on this 2-core machine 30+ minutes
 * (~5-7 msg/s end to end, callbacks included), so delivery is followed on 1,000 here.
 */
describe('bulk sends at size', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    // Under load some status callbacks time out, as they can in production: the reconciler makes up for them.
    system = await startSystem({ env: { SMS_PREFETCH: '50', RECONCILE_AFTER_MS: '20000', RECONCILE_INTERVAL_MS: '5000' } });
  });
  afterAll(async () => {
    await system?.close();
    // Dropping a database of thousands of messages takes FerretDB a while under load.
  }, 300_000);

  const bulk = (recipients: { to: string }[], body: string) =>
    system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body, recipients }).expect(202);
  const numbers = (count: number, base: number) => Array.from({ length: count }, (_, i) => ({ to: `+55119${String(base + i)}` }));

  it('accepts 10,000 recipients in one call and publishes every command', async () => {
    await system.worker?.close();
    system.worker = undefined;
    const started = Date.now();
    const response = await bulk(numbers(10_000, 70000000), 'Bulk of ten thousand');
    const acceptMs = Date.now() - started;
    expect(response.body).toMatchObject({ accepted: 10_000, rejected: [] });
    expect(await system.mongo.db(system.dbName).collection('messages').countDocuments({ batchId: response.body.batchId })).toBe(10_000);
    await waitFor('the outbox emptied', async () => (await system.mongo.db(system.dbName).collection('outbox').countDocuments()) === 0, 300_000, 1000);
    const publishedMs = Date.now() - started;
    process.stdout.write(`bulk 10000: 202 after ${acceptMs} ms; every command confirmed by RabbitMQ after ${publishedMs} ms\n`);
  }, 600_000);

  it('follows 1,000 recipients of one call until every one ends delivered or with a recorded reason', async () => {
    const { createWorkerApp } = await import('../src/bootstrap');
    await system.mongo.db(system.dbName).collection('messages').deleteMany({});
    const { connect } = await import('amqplib');
    const connection = await connect(system.env.RABBITMQ_URL);
    await (await connection.createChannel()).purgeQueue(system.queue);
    await connection.close();
    system.worker = await createWorkerApp();
    await system.worker.listen();

    const started = Date.now();
    const response = await bulk(numbers(1000, 71000000), 'Bulk of one thousand');
    const batch = await waitFor('every message in a final status', async () => {
      const progress = (await system.http().get(`/v1/batches/${response.body.batchId}`).set('x-api-key', TEST_API_KEY)).body;
      return progress.percentDone === 100 && progress;
    }, 20 * 60_000, 3000);
    const unexplained = await system.mongo.db(system.dbName).collection('messages').countDocuments({
      batchId: response.body.batchId, status: { $ne: 'delivered' }, errorDescription: { $exists: false }, 'history.detail': { $exists: false },
    });
    process.stdout.write(`bulk 1000: all final after ${Math.round((Date.now() - started) / 1000)} s; counts ${JSON.stringify(batch.counts)}\n`);
    expect(Object.values(batch.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(unexplained).toBe(0);
    expect(batch.counts.delivered).toBe(1000);
  }, 25 * 60_000);
});
