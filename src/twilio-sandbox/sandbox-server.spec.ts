import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import twilio, { Twilio } from 'twilio';
import RestException from 'twilio/lib/base/RestException';
import { BaseUrlRequestClient } from '../sms/twilio-request-client';
import { TwilioSandbox, startTwilioSandbox } from './sandbox-server';

/**
 * Drives the sandbox with the real twilio SDK (through BaseUrlRequestClient) and checks its
 * webhooks with the SDK's own validateRequest, so both directions are cross-checked against
 * Twilio's code rather than against the sandbox's idea of Twilio.
 */
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const OTHER_ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'sandbox-auth-token-0123456789abcd';
const SERVICE_SID = `MG${'a'.repeat(32)}`;
const FROM = '+15005550006';

interface Received {
  path: string;
  url: string;
  signature: string;
  params: Record<string, string>;
}

/** A stand-in for the app's webhook endpoints: records every POST and lets a spec await them. */
class WebhookReceiver {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => receiver.record(req, res));
    return receiver;
  }

  private record(req: http.IncomingMessage, res: http.ServerResponse): void {
    let text = '';
    req.setEncoding('utf-8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const params = Object.fromEntries(new URLSearchParams(text));
      this.received.push({ path, url: this.url + path, signature, params });
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end('<Response><Message>got it</Message></Response>');
      this.waiters.forEach((wake) => wake());
    });
  }

  /** Resolves once `count` requests hit `path`; the spec's timeout is the only deadline. */
  waitFor(path: string, count: number): Promise<Received[]> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const hits = this.received.filter((r) => r.path === path);
        if (hits.length >= count) resolve(hits);
        return hits.length >= count;
      };
      if (!check()) this.waiters.push(() => void check());
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function clientFor(sandbox: TwilioSandbox, token = AUTH_TOKEN, sid = ACCOUNT_SID, timeout?: number): Twilio {
  return twilio(sid, token, { httpClient: new BaseUrlRequestClient(sandbox.url, { timeout }) });
}

async function rejection(promise: Promise<unknown>): Promise<RestException> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RestException);
  return error as RestException;
}

async function control(sandbox: TwilioSandbox, method: string, path: string, body?: unknown): Promise<Response> {
  return sandbox.control(method, path, body);
}

let receiver: WebhookReceiver;
let sandbox: TwilioSandbox;
let client: Twilio;
let testNo = 0;
/** A callback path of its own per use, so late callbacks of one test never satisfy another. */
const freshPath = (name: string): string => `/${name}/${++testNo}`;

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  sandbox = await startTwilioSandbox({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    callbackDelayMs: 20,
    inboundWebhookUrl: `${receiver.url}/inbound`,
  });
  client = clientFor(sandbox);
});

afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

beforeEach(() => sandbox.reset());

describe('creating messages through the twilio SDK', () => {
  it('answers 201 with the full Message resource', async () => {
    const message = await client.messages.create({ to: '+14155550100', from: FROM, body: 'Hello from NotifyX' });
    expect(message).toMatchObject({
      accountSid: ACCOUNT_SID,
      apiVersion: '2010-04-01',
      to: '+14155550100',
      from: FROM,
      body: 'Hello from NotifyX',
      status: 'queued',
      direction: 'outbound-api',
      numSegments: '1',
      numMedia: '0',
      errorCode: null,
      errorMessage: null,
      price: null,
      priceUnit: 'USD',
      messagingServiceSid: null,
    });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${message.sid}.json`);
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(sandbox.sendsTo('+14155550100')).toBe(1);
    expect(sandbox.messages()[0]).toMatchObject({ sid: message.sid, body: 'Hello from NotifyX', from: FROM });
  });

  it.each([
    ['160 GSM-7 characters', 'a'.repeat(160), '1'],
    ['161 GSM-7 characters', 'a'.repeat(161), '2'],
    ['extension characters costing two septets', '€'.repeat(81), '2'],
    ['70 UCS-2 characters', 'й'.repeat(70), '1'],
    ['71 UCS-2 characters', 'й'.repeat(71), '2'],
  ])('counts segments for %s', async (_case, body, segments) => {
    const message = await client.messages.create({ to: '+14155550101', from: FROM, body });
    expect(message.numSegments).toBe(segments);
  });

  it('accepts a Messaging Service without From, as status "accepted"', async () => {
    const message = await client.messages.create({ to: '+14155550102', messagingServiceSid: SERVICE_SID, body: 'hi' });
    expect(message).toMatchObject({ status: 'accepted', from: null, messagingServiceSid: SERVICE_SID });
  });

  it('schedules Messaging Service messages with ScheduleType=fixed and SendAt', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    const scheduled = { to: '+14155550103', messagingServiceSid: SERVICE_SID, body: 'later', scheduleType: 'fixed' as const };
    await expect(client.messages.create({ ...scheduled, sendAt })).resolves.toMatchObject({ status: 'scheduled' });
    const tooSoon = new Date(Date.now() + 60_000);
    expect(await rejection(client.messages.create({ ...scheduled, sendAt: tooSoon }))).toMatchObject({ code: 35114, status: 400 });
  });

  it('uses an MM sid and counts media for MediaUrl', async () => {
    const message = await client.messages.create({ to: '+14155550104', from: FROM, mediaUrl: ['https://example.com/a.png'] });
    expect(message.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(message.numMedia).toBe('1');
  });

  it('works through regional and edge hostnames too', async () => {
    const regional = twilio(ACCOUNT_SID, AUTH_TOKEN, {
      httpClient: new BaseUrlRequestClient(`${sandbox.url}/`),
      region: 'ie1',
      edge: 'dublin',
    });
    await expect(regional.messages.create({ to: '+14155550105', from: FROM, body: 'x' })).resolves.toMatchObject({ status: 'queued' });
  });
});

describe('errors, as Twilio reports them', () => {
  it.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('rejects magic To %s with code %i', async (to, code) => {
    const error = await rejection(client.messages.create({ to, from: FROM, body: 'x' }));
    expect(error).toMatchObject({ code, status: 400, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(sandbox.sendsTo(to)).toBe(0);
  });

  it.each([
    ['+15005550001', 21212],
    ['+15005550007', 21606],
    ['+15005550008', 21611],
  ])('rejects magic From %s with code %i', async (from, code) => {
    const error = await rejection(client.messages.create({ to: '+14155550110', from, body: 'x' }));
    expect(error).toMatchObject({ code, status: 400 });
  });

  it('rejects a missing body (21602), a missing sender (21603) and a malformed To (21211)', async () => {
    expect(await rejection(client.messages.create({ to: '+14155550111', from: FROM }))).toMatchObject({ code: 21602 });
    expect(await rejection(client.messages.create({ to: '+14155550111', body: 'x' }))).toMatchObject({ code: 21603 });
    const malformed = await rejection(client.messages.create({ to: '555-0100', from: FROM, body: 'x' }));
    expect(malformed).toMatchObject({ code: 21211, status: 400, message: "The 'To' number 555-0100 is not a valid phone number." });
  });

  it('rejects a missing To with 21604 (the SDK refuses to send one, so this goes over raw HTTP)', async () => {
    const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ From: FROM, Body: 'x' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 21604,
      message: "A 'To' phone number is required.",
      more_info: 'https://www.twilio.com/docs/errors/21604',
      status: 400,
    });
  });

  it('answers 401/20003 to a wrong auth token or an unknown account', async () => {
    const wrongToken = clientFor(sandbox, 'not-the-token');
    expect(await rejection(wrongToken.messages.create({ to: '+14155550112', from: FROM, body: 'x' }))).toMatchObject({
      code: 20003,
      status: 401,
    });
    const otherAccount = clientFor(sandbox, AUTH_TOKEN, OTHER_ACCOUNT_SID);
    expect(await rejection(otherAccount.messages.list())).toMatchObject({ code: 20003, status: 401 });
  });

  it("answers 404/20404 for another account's path", async () => {
    const foreign = client.api.v2010.accounts(OTHER_ACCOUNT_SID).messages;
    expect(await rejection(foreign.create({ to: '+14155550113', from: FROM, body: 'x' }))).toMatchObject({
      code: 20404,
      status: 404,
    });
  });
});

describe('reading messages back', () => {
  it('fetches a message by sid, and answers 20404 for an unknown one', async () => {
    const created = await client.messages.create({ to: '+14155550120', from: FROM, body: 'fetch me' });
    await expect(client.messages(created.sid).fetch()).resolves.toMatchObject({ sid: created.sid, body: 'fetch me' });
    const unknown = `SM${'0'.repeat(32)}`;
    expect(await rejection(client.messages(unknown).fetch())).toMatchObject({ code: 20404, status: 404 });
  });

  it('lists newest first, filters by To and follows next_page_uri across pages', async () => {
    for (const body of ['one', 'two', 'three']) {
      await client.messages.create({ to: '+14155550121', from: FROM, body });
    }
    await client.messages.create({ to: '+14155550122', from: FROM, body: 'other' });
    const listed = await client.messages.list({ to: '+14155550121', pageSize: 2 });
    expect(listed.map((m) => m.body)).toEqual(['three', 'two', 'one']);
    const page = await client.messages.page({ to: '+14155550121', pageSize: 2 });
    expect(page.nextPageUrl).toContain('Page=1');
  });
});

describe('status callbacks', () => {
  it('posts sent then delivered, signed the way the SDK validates', async () => {
    const path = freshPath('status');
    const message = await client.messages.create({
      to: '+14155550130',
      from: FROM,
      body: 'track me',
      statusCallback: receiver.url + path,
    });
    const callbacks = await receiver.waitFor(path, 2);
    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(callbacks[0].params).toEqual({
      AccountSid: ACCOUNT_SID,
      ApiVersion: '2010-04-01',
      From: FROM,
      MessageSid: message.sid,
      MessageStatus: 'sent',
      SmsSid: message.sid,
      SmsStatus: 'sent',
      To: '+14155550130',
    });
    for (const callback of callbacks) {
      expect(twilio.validateRequest(AUTH_TOKEN, callback.signature, callback.url, callback.params)).toBe(true);
      expect(twilio.validateRequest('wrong-token', callback.signature, callback.url, callback.params)).toBe(false);
    }
    const fetched = await client.messages(message.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('fills in the sender of a Messaging Service message once it is sent', async () => {
    const path = freshPath('status');
    await client.messages.create({ to: '+14155550131', messagingServiceSid: SERVICE_SID, body: 'x', statusCallback: receiver.url + path });
    const [sent] = await receiver.waitFor(path, 1);
    expect(sent.params).toMatchObject({ MessageStatus: 'sent', From: FROM, MessagingServiceSid: SERVICE_SID });
  });

  it('survives a dead callback receiver, logging to stderr', async () => {
    const dead = await WebhookReceiver.start();
    await dead.close();
    const logged = new Promise<string>((resolve) => {
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        spy.mockRestore();
        resolve(String(chunk));
        return true;
      });
    });
    await client.messages.create({ to: '+14155550132', from: FROM, body: 'x', statusCallback: `${dead.url}/gone` });
    expect(await logged).toContain('status callback');
    await expect(client.messages.create({ to: '+14155550133', from: FROM, body: 'still alive' })).resolves.toBeDefined();
  });
});

describe('fault injection', () => {
  it('http500 fails the next create with HTTP 500 / 20500, then recovers', async () => {
    const to = '+14155550140';
    expect((await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: 'http500' })).status).toBe(201);
    expect(await rejection(client.messages.create({ to, from: FROM, body: 'x' }))).toMatchObject({ status: 500, code: 20500 });
    await expect(client.messages.create({ to, from: FROM, body: 'x' })).resolves.toMatchObject({ status: 'queued' });
    expect(sandbox.sendsTo(to)).toBe(1);
  });

  it('20429 answers HTTP 429 for `times` creates', async () => {
    const to = '+14155550141';
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: '20429', times: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await rejection(client.messages.create({ to, from: FROM, body: 'x' }));
      expect(error).toMatchObject({ status: 429, code: 20429, message: 'Too Many Requests' });
    }
    await expect(client.messages.create({ to, from: FROM, body: 'x' })).resolves.toBeDefined();
  });

  it("20429 is what the SDK's autoRetry backs off on", async () => {
    const to = '+14155550148';
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: '20429', times: 2 });
    const retrying = twilio(ACCOUNT_SID, AUTH_TOKEN, {
      httpClient: new BaseUrlRequestClient(sandbox.url, { autoRetry: true, maxRetries: 3 }),
    });
    await expect(retrying.messages.create({ to, from: FROM, body: 'x' })).resolves.toMatchObject({ status: 'queued' });
    expect(sandbox.sendsTo(to)).toBe(1);
  });

  it('times: 0 keeps failing until the faults are cleared', async () => {
    const to = '+14155550142';
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: 'http500', times: 0 });
    for (let i = 0; i < 3; i++) {
      expect(await rejection(client.messages.create({ to, from: FROM, body: 'x' }))).toMatchObject({ status: 500 });
    }
    expect((await control(sandbox, 'DELETE', '/__sandbox/faults')).status).toBe(204);
    await expect(client.messages.create({ to, from: FROM, body: 'x' })).resolves.toBeDefined();
  });

  it('timeout never answers, so the SDK gives up on its own timeout', async () => {
    const to = '+14155550143';
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: 'timeout' });
    const impatient = clientFor(sandbox, AUTH_TOKEN, ACCOUNT_SID, 200);
    const error: unknown = await impatient.messages.create({ to, from: FROM, body: 'x' }).catch((err: unknown) => err);
    expect(error).not.toBeInstanceOf(RestException);
    expect(error).toMatchObject({ code: 'ECONNABORTED' });
    expect(sandbox.sendsTo(to)).toBe(0);
  });

  it('undelivered accepts the message, then reports undelivered with an ErrorCode', async () => {
    const to = '+14155550144';
    const path = freshPath('status');
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: 'undelivered' });
    const message = await client.messages.create({ to, from: FROM, body: 'x', statusCallback: receiver.url + path });
    expect(message.status).toBe('queued');
    const callbacks = await receiver.waitFor(path, 2);
    expect(callbacks.map((c) => [c.params.MessageStatus, c.params.ErrorCode])).toEqual([
      ['sent', undefined],
      ['undelivered', '30003'],
    ]);
    expect(twilio.validateRequest(AUTH_TOKEN, callbacks[1].signature, callbacks[1].url, callbacks[1].params)).toBe(true);
    const fetched = await client.messages(message.sid).fetch();
    expect(fetched).toMatchObject({ status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' });
    expect(sandbox.messages()[0]).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('undelivered takes a custom errorCode', async () => {
    const to = '+14155550145';
    const path = freshPath('status');
    await control(sandbox, 'POST', '/__sandbox/faults', { to, kind: 'undelivered', errorCode: 30006 });
    await client.messages.create({ to, from: FROM, body: 'x', statusCallback: receiver.url + path });
    const callbacks = await receiver.waitFor(path, 2);
    expect(callbacks[1].params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30006' });
  });

  it('rejects a malformed fault', async () => {
    const res = await control(sandbox, 'POST', '/__sandbox/faults', { to: '+14155550146', kind: 'meteor' });
    expect(res.status).toBe(400);
  });
});

describe('control API', () => {
  it('lists and resets recorded messages', async () => {
    await client.messages.create({ to: '+14155550150', from: FROM, body: 'a' });
    await client.messages.create({ to: '+14155550151', from: FROM, body: 'b' });
    const listed = (await (await control(sandbox, 'GET', '/__sandbox/messages?to=%2B14155550150')).json()) as Array<{ body: string }>;
    expect(listed.map((m) => m.body)).toEqual(['a']);
    expect((await control(sandbox, 'DELETE', '/__sandbox/messages')).status).toBe(204);
    expect(sandbox.messages()).toEqual([]);
  });

  it('opens the control routes only to its control token; health needs none', async () => {
    const bare = (path: string, method = 'GET', headers: Record<string, string> = {}) => fetch(`${sandbox.url}${path}`, { method, headers });
    for (const [method, path] of [['GET', '/__sandbox/messages'], ['POST', '/__sandbox/inbound'], ['POST', '/__sandbox/faults'], ['DELETE', '/__sandbox/faults']]) {
      expect((await bare(path, method)).status).toBe(401);
      expect((await bare(path, method, { authorization: 'Bearer not-the-token' })).status).toBe(401);
    }
    expect((await bare('/__sandbox/messages', 'GET', { authorization: `Bearer ${sandbox.controlToken}` })).status).toBe(200);
    expect((await bare('/__sandbox/health')).status).toBe(200);
  });

  it('takes a control token it is given', async () => {
    const given = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, controlToken: 'a-configured-control-token' });
    try {
      expect(given.controlToken).toBe('a-configured-control-token');
      const answer = await fetch(`${given.url}/__sandbox/faults`, { headers: { authorization: 'Bearer a-configured-control-token' } });
      expect(answer.status).toBe(200);
    } finally {
      await given.close();
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await control(sandbox, 'GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 20404, status: 404 });
    expect((await control(sandbox, 'GET', '/__sandbox/nowhere')).status).toBe(404);
  });

  it('posts a signed inbound-message webhook and relays the receiver answer', async () => {
    const res = await control(sandbox, 'POST', '/__sandbox/inbound', { from: '+14155550160', to: FROM, body: 'STOP' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<Response><Message>got it</Message></Response>');
    const [inbound] = await receiver.waitFor('/inbound', 1);
    expect(inbound.params).toMatchObject({
      AccountSid: ACCOUNT_SID,
      From: '+14155550160',
      To: FROM,
      Body: 'STOP',
      NumMedia: '0',
      ApiVersion: '2010-04-01',
    });
    expect(inbound.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(inbound.params.SmsSid).toBe(inbound.params.MessageSid);
    expect(twilio.validateRequest(AUTH_TOKEN, inbound.signature, inbound.url, inbound.params)).toBe(true);
  });
});

describe('timing options', () => {
  it('delays create answers by latencyMs', async () => {
    const slow = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, latencyMs: 150 });
    try {
      const started = Date.now();
      await clientFor(slow).messages.create({ to: '+14155550170', from: FROM, body: 'x' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });

  it('spends a one-shot fault exactly once when creates overlap', async () => {
    const slow = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, latencyMs: 50 });
    try {
      const slowClient = clientFor(slow);
      const createThree = (to: string): Promise<Array<PromiseSettledResult<unknown>>> =>
        Promise.allSettled([1, 2, 3].map(() => slowClient.messages.create({ to, from: FROM, body: 'x' })));
      await control(slow, 'POST', '/__sandbox/faults', { to: '+14155550172', kind: 'http500' });
      await control(slow, 'POST', '/__sandbox/faults', { to: '+14155550173', kind: 'undelivered' });
      const outcomes = await createThree('+14155550172');
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
      await createThree('+14155550173');
      expect(await (await control(slow, 'GET', '/__sandbox/faults')).json()).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it('close() cancels callbacks still waiting for their turn', async () => {
    const lingering = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, callbackDelayMs: 60_000 });
    const path = freshPath('status');
    await clientFor(lingering).messages.create({ to: '+14155550171', from: FROM, body: 'x', statusCallback: receiver.url + path });
    await receiver.waitFor(path, 1);
    await lingering.close();
    expect(receiver.received.filter((r) => r.path === path).map((r) => r.params.MessageStatus)).toEqual(['sent']);
  });
});
