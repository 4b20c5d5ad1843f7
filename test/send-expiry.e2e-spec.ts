import { Broker, brMobile, deliveryKit, DeliveryKit, statusesOf } from './support/delivery-kit';
import { testServiceUrls } from './support/services';
import { freePort, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { TcpProxy } from './support/tcp-proxy';
import { waitFor } from './support/wait-for';

const METRICS_TOKEN = 'expiry-metrics-token-0123456789';

/** Attempt 1's transient failure waits 3-6 s in the delay queue: longer than the 2 s the message is valid for. */
const RETRY_BASE_MS = 6000;

/**
 * Expiry (issue 14, item 2): a message not handed to Twilio by its expiresAt ends `expired`, audited
 * and counted, and is never sent late; what is left of its time goes to Twilio as ValidityPeriod.
 * The app reaches RabbitMQ through a proxy the test cuts, on the real broker and store.
 */
describe('message expiry', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let rabbit: TcpProxy;
  let broker: Broker;
  let seed = 14_200;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    rabbit = await new TcpProxy('127.0.0.1', 5672).start();
    const workerPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
    system = await startSystem({
      env: {
        RABBITMQ_URL: rabbit.route(testServiceUrls().rabbitmqUrl), OUTBOX_RELAY_INTERVAL_MS: '200', SMS_RETRY_BASE_MS: String(RETRY_BASE_MS),
        WORKER_METRICS_PORT: String(workerPort), METRICS_TOKEN: METRICS_TOKEN,
      },
    });
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterEach(async () => {
    rabbit.restore();
    await kit.clearFaults();
  });
  afterAll(async () => {
    rabbit?.restore();
    await system?.close();
    await rabbit?.close();
    await broker?.close();
  });

  const next = () => brMobile((seed += 1));
  const passed = (expiresAt: string) => waitFor(`the clock past ${expiresAt}`, async () => Date.now() > Date.parse(expiresAt) + 50, 20_000);

  it('expires a message whose time runs out in the outbox while the broker is down; one with time left goes out with ValidityPeriod', async () => {
    rabbit.cut();
    const [short, long] = [next(), next()];
    const stale = (await kit.post({ to: short, body: 'code 111111', validFor: 2 }).expect(202)).body.id as string;
    const fresh = (await kit.post({ to: long, body: 'code 222222', validFor: 600 }).expect(202)).body.id as string;
    const staleView = await kit.message(stale);
    expect(Date.parse((staleView as unknown as { expiresAt: string }).expiresAt) - Date.parse(staleView.createdAt)).toBeGreaterThanOrEqual(1900);
    await passed((staleView as unknown as { expiresAt: string }).expiresAt);
    rabbit.restore();

    const expired = await kit.until(stale, ['expired', 'delivered', 'sent'], 30_000);
    expect(statusesOf(expired)).toEqual(['queued', 'expired']);
    expect(expired.history[1].detail).toMatch(/not handed to Twilio before it expired/);
    await kit.until(fresh, ['delivered'], 30_000);
    expect(system.sandbox.sendsTo(short)).toBe(0);
    const sent = system.sandbox.messages().find((message) => message.to === long)!;
    expect(sent.validityPeriod).toBeGreaterThan(570);
    expect(sent.validityPeriod).toBeLessThanOrEqual(600);
    expect(await kit.audit({ messageId: stale, action: 'message.expired' })).toEqual([
      expect.objectContaining({ actor: 'worker', details: expect.objectContaining({ from: 'queued' }) }),
    ]);
    // Counted where it happened: the worker's own /metrics.
    const metrics = await fetch(workerMetricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(await metrics.text()).toMatch(/notifyx_messages_expired_total [1-9]/);
    const report = await kit.get('/v1/reports/delivery', { groupBy: 'status' });
    expect(report.body.totals.expired).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('expires a message whose time runs out in a delay queue between attempts, and never sends it', async () => {
    const to = next();
    await kit.fault(to, 'http500', 1);
    const id = (await kit.post({ to, body: 'code 333333', validFor: 2 }).expect(202)).body.id as string;
    const expired = await kit.until(id, ['expired', 'delivered', 'sent', 'failed'], 30_000);
    expect(statusesOf(expired)).toEqual(['queued', 'sending', 'queued', 'expired']);
    const retry = await kit.audit({ messageId: id, action: 'message.retry_scheduled' });
    expect(retry[0].details?.delayMs).toBeGreaterThan(2000);
    expect(system.sandbox.sendsTo(to)).toBe(0);
  }, 40_000);

  it('refuses a sendAt after the expiry, both fields, and a bad validFor with 400s naming the field', async () => {
    const sendAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const late = await kit.post({ to: next(), body: 'too late', sendAt, expiresAt }).expect(400);
    expect(late.body).toMatchObject({ statusCode: 400, code: 'invalid_send_at', requestId: expect.any(String) });
    expect(late.body.message).toMatch(/sendAt .* must be before expiresAt/);
    const both = await kit.post({ to: next(), body: 'both', validFor: 60, expiresAt }).expect(400);
    expect(both.body.message).toMatch(/validFor or expiresAt/);
    const bad = await kit.post({ to: next(), body: 'bad', validFor: 0.5 }).expect(400);
    expect(bad.body.message).toMatch(/validFor must be a whole number/);
    const past = await kit.post({ to: next(), body: 'past', expiresAt: new Date(Date.now() - 1000).toISOString() }).expect(400);
    expect(past.body).toMatchObject({ code: 'invalid_expires_at' });
    const bulk = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'bulk', recipients: [{ to: next() }], sendAt, expiresAt }).expect(400);
    expect(bulk.body.code).toBe('invalid_send_at');
  });

  it("applies a template's default validFor, and a send's own field over it", async () => {
    const template = await system.http().post('/v1/templates').set('x-api-key', TEST_API_KEY)
      .send({ name: 'otp.expiring', body: 'Code {{code}}', validFor: 120 }).expect(201);
    expect(template.body.validFor).toBe(120);
    const byDefault = (await kit.post({ to: next(), templateName: 'otp.expiring', variables: { code: 1 } }).expect(202)).body.id as string;
    const own = (await kit.post({ to: next(), templateName: 'otp.expiring', variables: { code: 2 }, validFor: 30 }).expect(202)).body.id as string;
    const lifetime = async (id: string) => {
      const view = (await kit.message(id)) as unknown as { expiresAt: string; createdAt: string };
      return Math.round((Date.parse(view.expiresAt) - Date.parse(view.createdAt)) / 1000);
    };
    expect(await lifetime(byDefault)).toBe(120);
    expect(await lifetime(own)).toBe(30);
  });

  it("dead-letters a producer command with a bad validFor (naming it), and stores one whose expiresAt passed as expired", async () => {
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: next(), body: 'bad validity', validFor: 'soon', producerId: 'exp-bad' } });
    const parked = await broker.waitForMessage(`${system.queue}.dead`, (content) => content.includes('exp-bad'));
    expect(String(parked.properties.headers?.['x-notifyx-reason'])).toMatch(/validFor/);

    const to = next();
    const expiresAt = new Date(Date.now() - 5000).toISOString();
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to, body: 'stale command', expiresAt, producerId: 'exp-late' } });
    const stored = await waitFor('the late producer message', async () =>
      (await system.mongo.db(system.dbName).collection('messages').findOne({ producerId: 'exp-late', status: 'expired' })) ?? undefined);
    expect(stored.expiresAt.toISOString()).toBe(expiresAt);
    expect(system.sandbox.sendsTo(to)).toBe(0);
  });
});
