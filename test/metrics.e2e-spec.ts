import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { freePort, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const METRICS_TOKEN = 'metrics-token-for-the-e2e-spec';
const MAX_ATTEMPTS = 2;
const INVALID_NUMBER = '+15005550001'; // the sandbox answers 21211, as Twilio's test credentials do

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text format, as far as these checks read it: `name{a="b",…} value`. */
function parseMetrics(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    return { name: match[1], labels, value: Number(match[3]) };
  });
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * /metrics on the API and the worker's own listener, after real traffic through RabbitMQ, FerretDB
 * and the Twilio sandbox: every counter moves by what happened, in the process where it happened.
 */
describe('Prometheus metrics (API /metrics, worker WORKER_METRICS_PORT)', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let workerMetricsUrl: string;

  const apiMetrics = async () =>
    parseMetrics((await system.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text);
  const workerMetrics = async () => {
    const response = await fetch(workerMetricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    return parseMetrics(await response.text());
  };

  beforeAll(async () => {
    const workerPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
    system = await startSystem({
      env: {
        METRICS_TOKEN, WORKER_METRICS_PORT: String(workerPort),
        SMS_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SMS_RETRY_BASE_MS: '50', SMS_RETRY_MAX_MS: '100',
      },
    });
    kit = deliveryKit(system);
  });

  afterAll(async () => {
    await system?.close();
  });

  describe('access', () => {
    it('opens /metrics to the bearer token and to admin API keys only', async () => {
      await system.http().get('/metrics').expect(401);
      await system.http().get('/metrics').set('authorization', 'Bearer not-the-token-at-all').expect(401);
      const ok = await system.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      await system.http().get('/metrics').set('x-api-key', TEST_API_KEY).expect(200);

      const reader = await system.http().post('/v1/api-keys').set('x-api-key', TEST_API_KEY)
        .send({ name: 'metrics-reader', scopes: ['messages:read'] }).expect(201);
      const refused = await system.http().get('/metrics').set('x-api-key', reader.body.key).expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'insufficient_scope' });
    });

    it('has the worker refuse scrapes without the token and serve nothing but /metrics', async () => {
      expect((await fetch(workerMetricsUrl)).status).toBe(401);
      expect((await fetch(workerMetricsUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
      expect((await fetch(workerMetricsUrl.replace('/metrics', '/'))).status).toBe(404);
    });

    it('leaves /health as it was: public, and without metrics work', async () => {
      const health = await system.http().get('/health').expect(200);
      expect(health.body.status).toBe('ok');
    });
  });

  describe('after real sends', () => {
    const DELIVERED = [brMobile(71000001), brMobile(71000002), brMobile(71000003)];
    const UNDELIVERED = brMobile(71000004);
    const RETRIED_THEN_DEAD = brMobile(71000005);
    const BLOCKED = brMobile(71000006);
    let api: Sample[];
    let worker: Sample[];

    beforeAll(async () => {
      await kit.fault(UNDELIVERED, 'undelivered', 1, 30003);
      await kit.fault(RETRIED_THEN_DEAD, '20429', 0);
      await system.http().post('/v1/opt-outs').set('x-api-key', TEST_API_KEY).send({ phone: BLOCKED, reason: 'metrics spec' }).expect(201);
      const sends = [...DELIVERED, UNDELIVERED, RETRIED_THEN_DEAD, BLOCKED, INVALID_NUMBER];
      const ids: string[] = [];
      for (const to of sends) ids.push((await kit.post({ to, body: `metrics ${to}` }).expect(202)).body.id);
      for (const id of ids) await kit.until(id, ['delivered', 'undelivered', 'failed', 'blocked']);
      worker = await waitFor('the worker to count the dead-lettered message', async () => {
        const samples = await workerMetrics();
        return total(samples, 'notifyx_dead_lettered_total') === 1 && samples;
      });
      // Delivered callbacks are counted in batches a few hundred ms after they arrive, and queue
      // depths are cached for 5 s.
      api = await waitFor('the API to count every delivered callback and the dead letter', async () => {
        const samples = await apiMetrics();
        const dead = total(samples, 'notifyx_queue_messages', { queue: `${system.queue}.dead` });
        return total(samples, 'notifyx_messages_delivered_total') === DELIVERED.length && dead === 1 && samples;
      });
    });

    it('counts acceptance on the API, by source', () => {
      expect(total(api, 'notifyx_messages_accepted_total', { source: 'api' })).toBe(7);
    });

    it('counts what the worker did: failed by error code, retries, dead letters, blocked', () => {
      expect(total(worker, 'notifyx_messages_failed_total', { status: 'failed', error_code: '21211' })).toBe(1);
      expect(total(worker, 'notifyx_messages_failed_total', { status: 'failed', error_code: '20429' })).toBe(1);
      expect(total(worker, 'notifyx_message_retries_total', { error_code: '20429' })).toBe(MAX_ATTEMPTS - 1);
      expect(total(worker, 'notifyx_dead_lettered_total', { kind: 'message' })).toBe(1);
      expect(total(worker, 'notifyx_messages_blocked_total')).toBe(1);
    });

    it('counts each sent message once, in whichever process recorded it', () => {
      // The worker records `sent` from Twilio's answer, unless Twilio's `sent` callback reached the
      // API first: each process counts what it did, and Prometheus adds them up.
      const sent = total(worker, 'notifyx_messages_sent_total') + total(api, 'notifyx_messages_sent_total');
      expect(sent).toBe(DELIVERED.length + 1);
    });

    it('counts what Twilio reported back on the API: delivered, and undelivered by error code', () => {
      expect(total(api, 'notifyx_messages_delivered_total')).toBe(DELIVERED.length);
      expect(total(api, 'notifyx_messages_failed_total', { status: 'undelivered', error_code: '30003' })).toBe(1);
    });

    it('times every Twilio create in the worker and every delivery from acceptance on the API', () => {
      // 3 delivered + 1 undelivered + 2 attempts at 20429 + 1 refused with 21211; the blocked one never reached Twilio.
      const creates = { operation: 'messages.create' };
      expect(total(worker, 'notifyx_twilio_request_duration_seconds_count', creates)).toBe(7);
      expect(total(worker, 'notifyx_twilio_request_duration_seconds_count', { ...creates, outcome: 'error' })).toBe(3);
      expect(total(worker, 'notifyx_twilio_request_duration_seconds_bucket', { ...creates, le: '+Inf' })).toBe(7);
      expect(total(api, 'notifyx_accept_to_delivered_seconds_count')).toBe(DELIVERED.length);
      expect(total(api, 'notifyx_accept_to_delivered_seconds_sum')).toBeGreaterThan(0);
      expect(total(api, 'notifyx_accept_to_delivered_seconds_bucket', { le: '30' })).toBe(DELIVERED.length);
    });

    it('reports queue depth and consumers from RabbitMQ on the API', () => {
      expect(total(api, 'notifyx_queue_stats_up')).toBe(1);
      expect(total(api, 'notifyx_queue_consumers', { queue: system.queue, role: 'main' })).toBe(1);
      expect(total(api, 'notifyx_queue_messages', { queue: system.queue, role: 'main' })).toBe(0);
      expect(total(api, 'notifyx_queue_messages', { queue: `${system.queue}.dead`, role: 'dead' })).toBe(1);
      // One set of delay queues per lane (high, normal, low).
      const retries = api.filter((s) => s.name === 'notifyx_queue_messages' && s.labels.role === 'retry');
      expect(retries).toHaveLength(3 * MAX_ATTEMPTS);
      expect(retries.filter((s) => s.labels.queue.startsWith(`${system.queue}.retry.`))).toHaveLength(MAX_ATTEMPTS);
    });

    it('serves the same queue figures as JSON for the dashboard', async () => {
      const response = await kit.get('/v1/queues').expect(200);
      expect(response.body).toMatchObject({ up: true, at: expect.any(String) });
      expect(response.body.queues).toEqual(expect.arrayContaining([
        { queue: system.queue, role: 'main', messages: 0, consumers: 1 },
        { queue: `${system.queue}.dead`, role: 'dead', messages: 1, consumers: 0 },
      ]));
    });

    it('keeps the process metrics of each side apart', () => {
      for (const samples of [api, worker]) expect(total(samples, 'notifyx_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(worker.some((s) => s.name === 'notifyx_queue_messages')).toBe(false);
      expect(total(api, 'notifyx_twilio_request_duration_seconds_count')).toBe(0);
    });
  });
});
