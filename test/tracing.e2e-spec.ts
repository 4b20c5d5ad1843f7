import { connect as amqpConnect } from 'amqplib';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { OtlpReceiver, ReceivedSpan, SpanKind } from './support/otlp-receiver';
import { consumersReady } from './support/send-log';
import { testServiceUrls } from './support/services';
import { freePort, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

const API = join(__dirname, '..', 'dist', 'main.js');
const isMongo = (span: ReceivedSpan) => (span.attributes['db.system.name'] ?? span.attributes['db.system']) === 'mongodb';
const isTwilioCreate = (span: ReceivedSpan) =>
  span.kind === SpanKind.CLIENT && /\/Accounts\/[^/]+\/Messages\.json$/.test(String(span.attributes['url.full'] ?? ''));

/**
 * Traces across the real processes: `node dist/main.js` and `node dist/worker.js`, both exporting
 * over OTLP/HTTP to a receiver in this test, the worker calling the Twilio sandbox with the real SDK.
 */
describe('traces from the REST request to the Twilio call (API and worker processes)', () => {
  const receiver = new OtlpReceiver();
  let system: RunningSystem;
  let api: ChildProcess;
  let worker: ChildProcess;
  let apiUrl: string;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    system = await startSystem({ worker: false });
    apiUrl = `http://127.0.0.1:${await freePort()}`;
    const env = {
      ...system.env, PORT: apiUrl.split(':')[2], PUBLIC_BASE_URL: apiUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    api = spawn(process.execPath, [API], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    worker = spawnWorker(env);
    await waitFor('the traced API', async () => (await fetch(`${apiUrl}/health`).catch(() => undefined))?.ok, 30000, 200);
    await consumersReady(system, 1);
  });

  afterAll(async () => {
    for (const child of [api, worker]) {
      child?.kill('SIGTERM');
      if (child) await exited(child);
    }
    await system?.close();
    await receiver.close();
  });

  async function send(to: string): Promise<string> {
    const response = await fetch(`${apiUrl}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ to, body: 'traced' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  it('one trace from POST /v1/messages through the publish and the worker to the Twilio call', async () => {
    const id = await send('+5511987650001');
    const post = await waitFor('the API span of POST /v1/messages', async () => receiver.spans.find((s) =>
      s.service === 'notifyx-api' && s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v1/messages'));
    const twilio = await waitFor('the worker span of the Twilio call in that trace', async () =>
      receiver.inTrace(post.traceId).find((s) => s.service === 'notifyx-worker' && isTwilioCreate(s)));
    // A parent is exported when it ends: the worker's consume span ends with the ack, after the call.
    await waitFor('every span from the Twilio call up to the POST', async () => receiver.ancestry(twilio).at(-1) === post);

    // Named by Express's route: the express instrumentation patched the express Nest uses.
    expect(post.name).toBe('POST /v1/messages');
    const path = receiver.ancestry(twilio).map((s) => `${s.service}:${s.name}`);
    expect(path).toEqual(expect.arrayContaining(['notifyx-api:sms.send publish', expect.stringMatching(/^notifyx-worker:.* process$/)]));
    const consume = receiver.ancestry(twilio).find((s) => s.kind === SpanKind.CONSUMER)!;
    expect(consume.attributes['notifyx.message_id']).toBe(id);
    const trace = receiver.inTrace(post.traceId);
    expect(trace.filter((s) => s.service === 'notifyx-api' && isMongo(s)).length).toBeGreaterThan(0);
    expect(trace.filter((s) => s.service === 'notifyx-worker' && isMongo(s)).length).toBeGreaterThan(0);
  });

  it('status callbacks are traced with their store calls and name the message', async () => {
    const id = await send('+5511987650002');
    const callbacks = () => receiver.spans.filter((s) =>
      s.service === 'notifyx-api' && s.kind === SpanKind.SERVER && s.attributes['notifyx.message_id'] === id);
    // Twilio reports `sent` (nothing to write: the worker recorded it) and then `delivered`.
    const delivered = await waitFor('a status callback naming the message, with its store calls', async () =>
      callbacks().find((callback) => receiver.inTrace(callback.traceId).some(isMongo)));
    expect(delivered.attributes['url.path']).toBe('/v1/webhooks/twilio/status');
    // Twilio sends no trace context: the callback is a trace of its own, found by the message's id.
    expect(receiver.inTrace(delivered.traceId).every((s) => s.service === 'notifyx-api')).toBe(true);
  });

  it("a producer's own traceparent is honoured: the worker's spans and the Twilio call join its trace", async () => {
    const traceId = randomBytes(16).toString('hex');
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    const command = { pattern: 'sms.send', data: { to: '+5511987650003', body: 'from a producer', producerId: `p-${traceId}` } };
    channel.sendToQueue(system.queue, Buffer.from(JSON.stringify(command)), {
      persistent: true, headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    await channel.waitForConfirms();
    await connection.close();

    await waitFor("the Twilio call in the producer's trace", async () => receiver.inTrace(traceId).some(isTwilioCreate));
    expect(receiver.inTrace(traceId).some((s) => s.service === 'notifyx-worker' && s.kind === SpanKind.CONSUMER)).toBe(true);
  });

  it('spans show query parameter names, not the phone numbers in their values', async () => {
    const response = await fetch(`${apiUrl}/v1/messages?to=%2B5511987650001`, { headers: { 'x-api-key': TEST_API_KEY } });
    expect(response.status).toBe(200);
    const list = await waitFor('the span of the list request', async () => receiver.spans.find((s) =>
      s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/v1/messages' && s.attributes['url.query'] !== undefined));
    expect(list.attributes['url.query']).toBe('to=REDACTED');
    expect(JSON.stringify(receiver.spans)).not.toContain('987650001');
  });
});
