import { randomBytes } from 'node:crypto';
import { Broker, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { RunningSystem, startSystem, TEST_ACCOUNT_SID, TEST_API_KEY, TEST_AUTH_TOKEN } from './support/system';
import { waitFor } from './support/wait-for';

interface LogLine {
  level: number;
  msg?: string;
  context?: string;
  reqId?: string;
  to?: string;
  [field: string]: unknown;
}

const TO = '+5511987654321';
const MASKED = '+55119****4321';
/** Twilio's magic "invalid number": Twilio's error message quotes the number back. */
const INVALID_TO = '+15005550001';

/**
 * The logs of whole sends, API and worker (both in this process, at debug level), captured from
 * stdout where the app writes them: no number in full, no text, no credential, and one request
 * id from the API's lines through the worker's.
 */
describe('safe logs', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  const written: string[] = [];
  const realWrite = process.stdout.write.bind(process.stdout);
  const body = `Your code is ${randomBytes(4).toString('hex')} (safe-logs)`;
  const requestId = `safe-logs-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    system = await startSystem({ env: { LOG_LEVEL: 'debug' } });
    kit = deliveryKit(system);
    const accepted = await kit.post({ to: TO, body }, { 'x-request-id': requestId });
    expect(accepted.status).toBe(202);
    await kit.until(accepted.body.id, ['delivered']);
    const refused = await kit.post({ to: INVALID_TO, body });
    expect(refused.status).toBe(202);
    await kit.until(refused.body.id, ['failed']);
    // Numbers in URLs, as a client writes them.
    expect((await kit.get('/v1/messages', { to: TO })).status).toBe(200);
    expect((await kit.get('/v1/messages', { to: '11987654321' })).status).toBe(200);
    await producerSend();
    // The status callbacks' lines come after `delivered` is stored.
    await waitFor('the last callback to be logged', async () => lines().some((line) => line.req !== undefined && /status/.test(String((line.req as { url?: string }).url))));
  });

  afterAll(async () => {
    await system?.close();
    process.stdout.write = realWrite;
  });

  /** A producer's command carries its number and text in the queue; the worker logs neither. */
  async function producerSend(): Promise<void> {
    const broker = await Broker.connect();
    try {
      await broker.publish(system.queue, { pattern: 'sms.send', data: { to: '+5511987650777', body, producerId: `p-${requestId}` } },
        { 'x-request-id': `${requestId}-producer` });
    } finally {
      await broker.close();
    }
    await waitFor('the producer message to be delivered', async () => (await kit.messagesTo('+5511987650777'))[0]?.status === 'delivered');
  }

  const text = () => written.join('');
  const lines = (): LogLine[] => text().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);

  it('writes JSON lines only', () => {
    const nonEmpty = text().split('\n').filter((line) => line.trim() !== '');
    expect(nonEmpty.length).toBeGreaterThan(20);
    for (const line of nonEmpty) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('never writes a phone number in full, in any form', () => {
    for (const digits of ['5511987654321', '11987654321', '987654321', '5511987650777', '15005550001']) {
      expect(text()).not.toContain(digits);
    }
    expect(text()).toContain(MASKED);
  });

  it('never writes the message text', () => {
    expect(text()).not.toContain(body);
    expect(text()).not.toContain(body.split(' ')[3]);
  });

  it('never writes the Twilio auth token or the API key, plain or as Basic credentials', () => {
    for (const secret of [TEST_AUTH_TOKEN, TEST_API_KEY, Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64')]) {
      expect(text()).not.toContain(secret);
    }
  });

  it('carries the request id from the API lines into the worker lines, beside the masked number', () => {
    const ofRequest = lines().filter((line) => line.reqId === requestId);
    const api = ofRequest.find((line) => line.context === 'SendPolicy' && line.to === MASKED);
    const worker = ofRequest.find((line) => line.context === 'SmsService' && line.msg === 'sent' && line.to === MASKED);
    expect(api).toBeDefined();
    expect(worker).toBeDefined();
    // Every step of the send in the worker (claim, sent, audit) is on a line with the id.
    const workerSteps = ofRequest.filter((line) => line.context === 'AuditService' && line.actor === 'worker');
    expect(workerSteps.length).toBeGreaterThanOrEqual(2);
    // The request's own line: the URL and the caller's id, nothing of the body.
    expect(lines().some((line) => line.reqId === requestId && (line.req as { method?: string } | undefined)?.method === 'POST')).toBe(true);
  });

  it("carries a producer's x-request-id header into the worker's lines", () => {
    const producerLines = lines().filter((line) => line.reqId === `${requestId}-producer`);
    expect(producerLines.some((line) => line.context === 'SmsService' && line.msg === 'sent')).toBe(true);
  });
});
