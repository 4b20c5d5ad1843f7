import { Broker, brMobile, deliveryKit, DeliveryKit, statusesOf } from './support/delivery-kit';
import { LossyTwilioProxy } from './support/lossy-twilio-proxy';
import { RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';

const MAX_ATTEMPTS = 3;
const BASE_MS = 50;
const TWILIO_TIMEOUT_MS = 300;

/**
 * Retries by kind, on the real broker: transient failures go through the `<queue>.retry.<n>`
 * delay queues and back, permanent ones fail at once, and exhausted ones end in `<queue>.dead`.
 * The app reaches the sandbox through a proxy that can lose Twilio's answers on purpose.
 */
describe('retries by kind', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;
  let twilio: LossyTwilioProxy;
  const figures: string[] = [];

  beforeAll(async () => {
    twilio = await new LossyTwilioProxy().start();
    system = await startSystem({
      env: {
        SMS_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SMS_RETRY_BASE_MS: String(BASE_MS), TWILIO_TIMEOUT_MS: String(TWILIO_TIMEOUT_MS),
        TWILIO_API_BASE_URL: twilio.url,
      },
    });
    twilio.target = system.sandbox.url;
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterEach(async () => {
    await kit?.clearFaults();
  });
  afterAll(async () => {
    if (figures.length > 0) process.stdout.write(`${figures.join('\n')}\n`);
    await system?.close();
    await twilio?.close();
    await broker?.close();
  });

  const accept = async (to: string, body: string): Promise<string> => (await kit.post({ to, body }).expect(202)).body.id;

  /** Waits for the first instant of a wall-clock second, so Twilio's whole-second dates fall in it. */
  const startOfSecond = () => waitFor('the start of a second', async () => Date.now() % 1000 < 100, 2000);

  it('retries a transient HTTP 500 through the delay queue and delivers once', async () => {
    const to = brMobile(10001);
    await kit.fault(to, 'http500', 1);
    const started = Date.now();
    const id = await accept(to, 'retry after a 500');

    const delivered = await kit.until(id, ['delivered']);
    const elapsed = Date.now() - started;
    expect(delivered.attempts).toBe(2);
    expect(statusesOf(delivered)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent', 'delivered']);
    expect(delivered.history[2].detail).toMatch(/attempt 1 failed \(20500: Internal Server Error\); retrying in/);

    const retries = await kit.audit({ messageId: id, action: 'message.retry_scheduled' });
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ actor: 'worker', details: { attempt: 1, errorCode: 20500 } });
    // Exponential backoff with jitter: attempt 1 waits 50–100% of the base.
    expect(retries[0].details?.delayMs).toBeGreaterThanOrEqual(BASE_MS / 2);
    expect(retries[0].details?.delayMs).toBeLessThanOrEqual(BASE_MS);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    figures.push(`retries: http500 x1 -> delivered after ${delivered.attempts} attempts, ${elapsed} ms from accept to delivered, ${
      system.sandbox.sendsTo(to)} send(s) at Twilio`);
  });

  it('gives up after SMS_MAX_ATTEMPTS on 20429: failed, parked in <queue>.dead with the reason, listed by the API', async () => {
    const to = brMobile(10002);
    await kit.fault(to, '20429', 0);
    const started = Date.now();
    const id = await accept(to, 'rate limited forever');

    const failed = await kit.until(id, ['failed']);
    expect(failed).toMatchObject({ attempts: MAX_ATTEMPTS, errorCode: 20429 });
    expect(failed.errorDescription).toMatch(/gave up after 3 attempts/);
    expect(statusesOf(failed)).toEqual(['queued', 'sending', 'queued', 'sending', 'queued', 'sending', 'failed']);

    const parked = await broker.waitForMessage(`${system.queue}.dead`, (content) => content.includes(id));
    const elapsed = Date.now() - started;
    expect(JSON.parse(parked.content.toString())).toMatchObject({ pattern: 'sms.send', data: { messageId: id } });
    const headers = parked.properties.headers ?? {};
    expect(String(headers['x-notifyx-reason'])).toMatch(/gave up after 3 attempts: 20429 Too Many Requests/);
    expect(headers['x-notifyx-original-queue']).toBe(system.queue);
    expect(Number.isNaN(Date.parse(String(headers['x-notifyx-dead-lettered-at'])))).toBe(false);
    // The waits were RabbitMQ's: the command expired out of the delay queues for attempts 1 and 2.
    const deaths = (headers['x-death'] as { queue: string; reason: string }[] | undefined) ?? [];
    expect(deaths.map((death) => `${death.queue}:${death.reason}`).sort()).toEqual([
      `${system.queue}.retry.1:expired`, `${system.queue}.retry.2:expired`,
    ]);

    const listed = await waitFor('the dead letter in GET /v1/dead-letters', async () =>
      (await kit.deadLetters()).items.find((letter) => letter.content.includes(id)));
    expect(listed).toMatchObject({ queue: `${system.queue}.dead`, reason: expect.stringMatching(/gave up after 3 attempts/) });

    const retries = await kit.audit({ messageId: id, action: 'message.retry_scheduled' });
    expect(retries.map((entry) => entry.details?.attempt).sort()).toEqual([1, 2]);
    const secondDelay = retries.find((entry) => entry.details?.attempt === 2)?.details?.delayMs as number;
    expect(secondDelay).toBeGreaterThanOrEqual(BASE_MS);
    expect(secondDelay).toBeLessThanOrEqual(2 * BASE_MS);
    expect(await kit.audit({ messageId: id, action: 'message.failed' })).toHaveLength(1);
    expect(system.sandbox.sendsTo(to)).toBe(0);
    figures.push(`retries: 20429 forever -> failed after ${failed.attempts} attempts and parked in ${elapsed} ms; backoff ${
      [1, 2].map((attempt) => `${String(retries.find((entry) => entry.details?.attempt === attempt)?.details?.delayMs)} ms after attempt ${attempt}`)
        .join(', ')}`);
  });

  it('links the parked command of an exhausted message to that message (messageId on the dead letter and its audit entry)', async () => {
    const to = brMobile(10003);
    await kit.fault(to, '20429', 0);
    const id = await accept(to, 'rate limited, then parked');
    await kit.until(id, ['failed']);
    const listed = await waitFor('the dead letter', async () =>
      (await kit.deadLetters()).items.find((letter) => letter.content.includes(id)));
    expect(listed.messageId).toBe(id);
    const parkedAudit = await kit.audit({ messageId: id, action: 'command.dead_lettered' });
    expect(parkedAudit).toHaveLength(1);
  });

  it('fails a permanent error (21211) at once: one attempt, no retry, nothing dead-lettered', async () => {
    const to = '+15005550001';
    const id = await accept(to, 'invalid number at Twilio');
    const failed = await kit.until(id, ['failed']);
    expect(failed).toMatchObject({ attempts: 1, errorCode: 21211 });
    expect(statusesOf(failed)).toEqual(['queued', 'sending', 'failed']);
    expect(failed.errorDescription).not.toMatch(/gave up/);
    expect(await kit.audit({ messageId: id, action: 'message.retry_scheduled' })).toHaveLength(0);

    // A sentinel parked after the failure shows the consumer has moved on; the failure left nothing in .dead.
    await broker.publish(system.queue, 'sentinel: not json');
    const deadQueue = `${system.queue}.dead`;
    const seen = [await broker.waitForMessage(deadQueue, (content) => content === 'sentinel: not json')];
    seen.push(...(await broker.drain(deadQueue)));
    expect(seen.filter((parked) => parked.content.toString().includes(id))).toHaveLength(0);
    expect((await kit.deadLetters()).items.filter((letter) => letter.content.includes(id))).toHaveLength(0);
    expect(system.sandbox.sendsTo(to)).toBe(0);
  });

  it('retries a Twilio timeout after asking Twilio whether the text went out, and sends it exactly once', async () => {
    const to = brMobile(10004);
    await kit.fault(to, 'timeout', 1);
    const started = Date.now();
    const id = await accept(to, 'slow twilio');

    const delivered = await kit.until(id, ['delivered']);
    const elapsed = Date.now() - started;
    expect(delivered.attempts).toBe(2);
    expect(statusesOf(delivered)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent', 'delivered']);
    expect(delivered.history[2].detail).toMatch(/attempt 1 failed \(network: .*timeout/i);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect(system.sandbox.messages().find((m) => m.to === to)?.sid).toBe(delivered.twilioSid);
    // The retry asked Twilio (a list filtered by To) before it created the message again.
    expect(twilio.requests.filter((line) => line.endsWith(` ${to}`))).toEqual([`POST ${to}`, `GET ${to}`, `POST ${to}`]);
    figures.push(`retries: Twilio timeout (TWILIO_TIMEOUT_MS=${TWILIO_TIMEOUT_MS}) -> delivered after ${delivered.attempts} attempts, ${
      elapsed} ms from accept to delivered, ${system.sandbox.sendsTo(to)} send(s) at Twilio`);
  });

  it('does not resend when Twilio took the text, lost its answer, and its status callback got here first', async () => {
    const to = brMobile(10005);
    twilio.loseAnswers(to, 1);
    const id = await accept(to, 'answer lost, callback arrived');

    const delivered = await kit.until(id, ['delivered']);
    await waitFor('the lost answer to time out', async () => twilio.lost.get(to) === 1);
    expect(delivered.attempts).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('does not resend when Twilio took the text and its answer was lost, and no callback came: it asks Twilio first', async () => {
    const to = brMobile(10008);
    twilio.loseAnswers(to, 1, { withoutCallbacks: true });
    // Twilio's dates are whole seconds: accept early in a second, so Twilio's copy is dated within the same one.
    await startOfSecond();
    const id = await accept(to, 'answer lost on the way back');

    const settled = await kit.until(id, ['sent', 'delivered', 'failed']);
    expect(twilio.lost.get(to)).toBe(1);
    expect(twilio.requests.filter((line) => line.endsWith(` ${to}`))).toEqual([`POST ${to}`, `GET ${to}`]);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect(['sent', 'delivered']).toContain(settled.status);
    expect(settled.attempts).toBe(2);
    expect(system.sandbox.messages().find((m) => m.to === to)?.sid).toBe(settled.twilioSid);
    figures.push(`retries: lost Twilio answer, no callback -> ${settled.status} after ${settled.attempts} attempts, ${
      system.sandbox.sendsTo(to)} send(s) at Twilio`);
  });

  it('asks Twilio before resending when a lost answer follows an earlier 20429', async () => {
    const to = brMobile(10006);
    await kit.fault(to, '20429', 1);
    twilio.loseAnswers(to, 1, { withoutCallbacks: true });
    // Late in a second: whole-second Twilio dates cannot hide the earlier copy here, whatever the date check does.
    await waitFor('the end of a second', async () => Date.now() % 1000 > 850, 2000);
    const id = await accept(to, '429, then answer lost');

    const settled = await kit.until(id, ['sent', 'delivered', 'failed']);
    expect(twilio.lost.get(to)).toBe(1);
    // 429, then the create whose answer was lost, then a look at Twilio that finds it.
    expect(twilio.requests.filter((line) => line.endsWith(` ${to}`))).toEqual([`POST ${to}`, `POST ${to}`, `GET ${to}`]);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect(['sent', 'delivered']).toContain(settled.status);
    expect(settled.attempts).toBe(3);
  });

  it('retries a transient carrier failure reported by callback (undelivered, 30001 queue overflow)', async () => {
    const to = brMobile(10007);
    await kit.fault(to, 'undelivered', 1, 30001);
    const id = await accept(to, 'carrier queue overflow');
    const settled = await kit.until(id, ['delivered', 'undelivered', 'failed']);
    expect(settled.status).toBe('delivered');
    expect(await kit.audit({ messageId: id, action: 'message.retry_scheduled' })).toHaveLength(1);
    expect(system.sandbox.sendsTo(to)).toBe(2);
  });
});
