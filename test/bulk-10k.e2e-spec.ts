import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const RECIPIENTS = 10_000;

/** The full size: one call with 10,000 recipients, every one followed to its end. */
describe(`bulk send of ${RECIPIENTS} recipients`, () => {
  let system: RunningSystem;

  beforeAll(async () => {
    // Under this load some status callbacks time out, as they can in production: the reconciler makes up for them.
    system = await startSystem({ env: { SMS_PREFETCH: '50', RECONCILE_AFTER_MS: '30000', RECONCILE_INTERVAL_MS: '5000' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('accepts them in one call, and every one ends delivered or with a recorded reason', async () => {
    const recipients = Array.from({ length: RECIPIENTS }, (_, i) => ({ to: `+55119${String(70000000 + i)}` }));
    const started = Date.now();
    const response = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'Bulk hello from NotifyX', recipients }).expect(202);
    const acceptMs = Date.now() - started;
    expect(response.body).toMatchObject({ accepted: RECIPIENTS, rejected: [] });

    const batch = await waitFor('every message in a final status', async () => {
      const progress = (await system.http().get(`/v1/batches/${response.body.batchId}`).set('x-api-key', TEST_API_KEY)).body;
      return progress.percentDone === 100 && progress;
    }, 40 * 60_000, 5000);
    const doneMs = Date.now() - started;
    const messages = system.mongo.db(system.dbName).collection('messages');
    const unexplained = await messages.countDocuments({
      batchId: response.body.batchId, status: { $ne: 'delivered' }, errorDescription: { $exists: false }, 'history.detail': { $exists: false },
    });
    process.stdout.write(`bulk ${RECIPIENTS}: 202 after ${acceptMs} ms; all final after ${Math.round(doneMs / 1000)} s ` +
      `(${Math.round(RECIPIENTS / (doneMs / 1000))} msg/s); counts ${JSON.stringify(batch.counts)}; segments sent ${batch.segmentsSent}\n`);
    expect(Object.values(batch.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(RECIPIENTS);
    expect(unexplained).toBe(0);
    expect(batch.counts.delivered).toBe(RECIPIENTS);
    expect(system.sandbox.messages().filter((m) => m.body === 'Bulk hello from NotifyX')).toHaveLength(RECIPIENTS);
  }, 45 * 60_000);
});
