import { createHmac } from 'node:crypto';
import { OptOutsService } from '../src/opt-outs/opt-outs.service';
import { RunningSystem, startSystem, TEST_API_KEY, TEST_AUTH_TOKEN, TEST_FROM } from './support/system';

const HELP_TEXT = 'Acme & Co: reply STOP to stop <texts>, START to resume';

describe('opt-outs: inbound keywords and the blocklist API (real FerretDB, signed webhooks from the sandbox)', () => {
  let system: RunningSystem;
  const db = () => system.mongo.db(system.dbName);

  beforeAll(async () => {
    // Rate limits are another spec's subject; this one makes many quick calls.
    system = await startSystem({ worker: false, env: { SMS_HELP_TEXT: HELP_TEXT, THROTTLE_LIMIT: '10000', THROTTLE_BURST_LIMIT: '10000' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  /** A handset texting our number: the sandbox signs Twilio's webhook and relays our answer. */
  async function text(from: string, body: string): Promise<{ status: number; contentType: string; body: string }> {
    const response = await system.sandbox.control('POST', '/__sandbox/inbound', { from, to: TEST_FROM, body });
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  }

  const api = {
    get: (path: string) => system.http().get(path).set('x-api-key', TEST_API_KEY),
    post: (path: string, body: object) => system.http().post(path).set('x-api-key', TEST_API_KEY).send(body),
    delete: (path: string) => system.http().delete(path).set('x-api-key', TEST_API_KEY),
  };
  const entryFor = async (phone: string) => (await api.get('/v1/opt-outs').query({ phone }).expect(200)).body.items[0];
  const audits = async (action: string) => (await api.get('/v1/audit').query({ action, limit: 200 }).expect(200)).body.items;

  describe('inbound webhook', () => {
    it('STOP blocks the sender, answers empty TwiML, records the text and audits both', async () => {
      const answer = await text('+5511911110001', 'STOP');
      expect(answer).toEqual({ status: 200, contentType: expect.stringMatching(/^text\/xml/), body: '<Response/>' });
      expect(await entryFor('+5511911110001')).toMatchObject({ phone: '+5511911110001', source: 'keyword', reason: 'texted "STOP"', createdBy: 'twilio' });
      await expect(system.api.get(OptOutsService).isBlocked('+5511911110001')).resolves.toBe(true);

      const [recorded] = await db().collection('inbound_messages').find({ from: '+5511911110001' }).toArray();
      expect(recorded).toMatchObject({ to: TEST_FROM, body: 'STOP', keyword: 'stop', twilioSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), at: expect.any(Date) });
      expect(await audits('optout.added')).toContainEqual(expect.objectContaining({
        actor: 'twilio', details: { phone: '+5511911110001', reason: 'texted "STOP"', source: 'keyword' },
      }));
      expect(await audits('inbound.received')).toContainEqual(expect.objectContaining({
        details: expect.objectContaining({ twilioSid: recorded.twilioSid, keyword: 'stop', from: expect.not.stringContaining('91111') }),
      }));
    });

    it.each([
      [' stop ', '+5511911110011'], ['Unsubscribe', '+5511911110012'], ['optOut\n', '+5511911110013'], ['QUIT', '+5511911110014'],
    ])('reads %j as an opt-out (trimmed, any case)', async (body, from) => {
      expect((await text(from, body)).body).toBe('<Response/>');
      await expect(system.api.get(OptOutsService).isBlocked(from)).resolves.toBe(true);
    });

    it('START unblocks the sender and audits the removal', async () => {
      await text('+5511911110002', 'stop');
      const answer = await text('+5511911110002', '  start');
      expect(answer).toMatchObject({ status: 200, body: '<Response/>' });
      expect(await entryFor('+5511911110002')).toBeUndefined();
      expect(await audits('optout.removed')).toContainEqual(expect.objectContaining({
        actor: 'twilio', details: { phone: '+5511911110002', reason: 'texted "START"', source: 'keyword' },
      }));
    });

    it('HELP and INFO answer the configured help text as XML-escaped TwiML and change nothing', async () => {
      for (const body of ['HELP', 'info ']) {
        const answer = await text('+5511911110003', body);
        expect(answer.status).toBe(200);
        expect(answer.contentType).toMatch(/^text\/xml/);
        expect(answer.body).toBe('<Response><Message>Acme &amp; Co: reply STOP to stop &lt;texts&gt;, START to resume</Message></Response>');
      }
      expect(await entryFor('+5511911110003')).toBeUndefined();
      expect((await audits('inbound.help')).length).toBe(2);
    });

    it('an ordinary text is recorded and nothing else', async () => {
      const answer = await text('+5511911110004', 'stop sending me this please');
      expect(answer).toMatchObject({ status: 200, body: '<Response/>' });
      expect(await entryFor('+5511911110004')).toBeUndefined();
      const recorded = await db().collection('inbound_messages').findOne({ from: '+5511911110004' });
      expect(recorded).toMatchObject({ body: 'stop sending me this please', keyword: null });
    });

    it('refuses a forged webhook with 403 and records nothing', async () => {
      const url = `${system.baseUrl}/v1/webhooks/twilio/inbound`;
      const params = { From: '+5511911110005', To: TEST_FROM, Body: 'START', MessageSid: 'SM' + 'f'.repeat(32) };
      const data = Object.keys(params).sort().reduce((acc, key) => acc + key + params[key as keyof typeof params], url);
      const forged = createHmac('sha1', 'guessed-token').update(data).digest('base64');
      const answer = await system.http().post('/v1/webhooks/twilio/inbound').type('form').set('x-twilio-signature', forged).send(params).expect(403);
      expect(answer.body).toMatchObject({ code: 'invalid_signature' });
      expect(await db().collection('inbound_messages').countDocuments({ from: '+5511911110005' })).toBe(0);

      const genuine = createHmac('sha1', TEST_AUTH_TOKEN).update(data).digest('base64');
      await system.http().post('/v1/webhooks/twilio/inbound').type('form').set('x-twilio-signature', genuine).send(params).expect(200);
      // Twilio redelivering the same message: recorded once.
      await system.http().post('/v1/webhooks/twilio/inbound').type('form').set('x-twilio-signature', genuine).send(params).expect(200);
      expect(await db().collection('inbound_messages').countDocuments({ from: '+5511911110005' })).toBe(1);
    });
  });

  describe('the service the send path uses', () => {
    const change = { reason: 'Twilio 21610', source: 'twilio-21610' as const, actor: 'worker' };

    it('block is idempotent, unblock says whether the number was blocked, and both accept national input', async () => {
      const optOuts = system.api.get(OptOutsService);
      await optOuts.block('+5511922220001', change);
      await optOuts.block('(11) 92222-0001', change);
      await expect(optOuts.isBlocked('11922220001')).resolves.toBe(true);
      await expect(optOuts.blockedAmong(['+5511922220001', '+5511922220002'])).resolves.toEqual(new Set(['+5511922220001']));
      const added = (await audits('optout.added')).filter((entry: { details: { phone: string } }) => entry.details.phone === '+5511922220001');
      expect(added).toHaveLength(1);
      await expect(optOuts.unblock('+5511922220001', change)).resolves.toBe(true);
      await expect(optOuts.unblock('+5511922220001', change)).resolves.toBe(false);
      await expect(optOuts.isBlocked('+5511922220001')).resolves.toBe(false);
    });

    it('racing blocks of one number leave one entry and one audit', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => api.post('/v1/opt-outs', { phone: '+5511922220003', reason: 'race' })));
      expect(results.map((result) => result.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(await db().collection('opt_outs').countDocuments({ _id: '+5511922220003' as never })).toBe(1);
      const added = (await audits('optout.added')).filter((entry: { details: { phone: string } }) => entry.details.phone === '+5511922220003');
      expect(added).toHaveLength(1);
    });
  });

  describe('REST /v1/opt-outs', () => {
    it('POST blocks a number given in national form, answers 201 with the entry, then 200 with the same entry', async () => {
      const created = await api.post('/v1/opt-outs', { phone: '(11) 93333-0001', reason: 'asked by phone' }).expect(201);
      expect(created.body).toEqual({
        phone: '+5511933330001', reason: 'asked by phone', source: 'manual', createdBy: expect.stringMatching(/^apikey:/),
        createdAt: expect.any(String),
      });
      const again = await api.post('/v1/opt-outs', { phone: '+5511933330001', reason: 'other reason' }).expect(200);
      expect(again.body).toEqual(created.body);
    });

    it('GET lists newest first with a cursor, and filters by phone', async () => {
      for (const n of [1, 2, 3]) await api.post('/v1/opt-outs', { phone: `+551193333010${n}`, reason: `r${n}` }).expect(201);
      const first = await api.get('/v1/opt-outs').query({ limit: 2 }).expect(200);
      expect(first.body.items.map((item: { phone: string }) => item.phone)).toEqual(['+5511933330103', '+5511933330102']);
      const second = await api.get('/v1/opt-outs').query({ limit: 2, cursor: first.body.nextCursor }).expect(200);
      expect(second.body.items[0].phone).toBe('+5511933330101');
      const filtered = await api.get('/v1/opt-outs').query({ phone: '11 93333-0102' }).expect(200);
      expect(filtered.body).toEqual({ items: [expect.objectContaining({ phone: '+5511933330102', reason: 'r2' })], nextCursor: null });
    });

    it('DELETE unblocks (204, audited with the reason) and answers 404 when the number is not blocked', async () => {
      await api.post('/v1/opt-outs', { phone: '+5511933330201', reason: 'x' }).expect(201);
      await api.delete('/v1/opt-outs/%2B5511933330201').query({ reason: 'customer asked again' }).expect(204);
      expect(await entryFor('+5511933330201')).toBeUndefined();
      expect(await audits('optout.removed')).toContainEqual(expect.objectContaining({
        actor: expect.stringMatching(/^apikey:/), details: { phone: '+5511933330201', reason: 'customer asked again', source: 'manual' },
      }));
      const missing = await api.delete('/v1/opt-outs/+5511933330201').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'not_found', message: '+5511933330201 is not on the blocklist' });
    });

    it.each([
      [{ phone: '123', reason: 'x' }, 'invalid_phone_number', /"123" is not a valid phone number/],
      [{ phone: '+5511933330301' }, 'validation_failed', /reason must be/],
      [{ phone: '+5511933330301', reason: '' }, 'validation_failed', /reason must be longer/],
      [{ phone: '+5511933330301', reason: 'x', source: 'keyword' }, 'validation_failed', /property source should not exist/],
      [{ phone: { $gt: '' }, reason: 'x' }, 'validation_failed', /phone must be a string/],
    ])('POST %j → 400 %s', async (body, code, message) => {
      const response = await api.post('/v1/opt-outs', body).expect(400);
      expect(response.body).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await db().collection('opt_outs').countDocuments({ _id: '+5511933330301' as never })).toBe(0);
    });

    it.each([
      ['/v1/opt-outs?cursor=abc', /cursor must be a nextCursor/],
      ['/v1/opt-outs?limit=0', /limit must not be less than 1/],
      ['/v1/opt-outs?phone=hello', /not a valid phone number/],
    ])('GET %s → 400', async (path, message) => {
      expect((await api.get(path).expect(400)).body.message).toMatch(message);
    });

    it('DELETE with a malformed number → 400', async () => {
      expect((await api.delete('/v1/opt-outs/hello').expect(400)).body.code).toBe('invalid_phone_number');
    });

    it('is documented in Swagger, the inbound webhook as answering text/xml', async () => {
      const { paths } = (await system.http().get('/docs-json').expect(200)).body;
      expect(Object.keys(paths['/v1/opt-outs'])).toEqual(expect.arrayContaining(['get', 'post']));
      expect(paths['/v1/opt-outs/{phone}'].delete.responses).toHaveProperty('404');
      expect(paths['/v1/webhooks/twilio/inbound'].post.responses['200'].content).toHaveProperty(['text/xml']);
    });

    it('answers 401 without an API key', async () => {
      await system.http().get('/v1/opt-outs').expect(401);
      await system.http().post('/v1/opt-outs').send({ phone: '+5511933330401', reason: 'x' }).expect(401);
      await system.http().delete('/v1/opt-outs/+5511933330001').expect(401);
      expect(await entryFor('+5511933330001')).toBeDefined();
    });
  });
});
