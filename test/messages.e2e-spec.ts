import { startSystem, RunningSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

describe('one SMS, end to end (real RabbitMQ, FerretDB, twilio SDK → sandbox)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  const send = (body: object) => system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).send(body);
  const getMessage = async (id: string) =>
    (await system.http().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY).expect(200)).body;

  it('accepts a Brazilian national number, sends it in E.164 and follows it to delivered', async () => {
    const accepted = await send({ to: '(11) 98765-4321', body: 'Olá from NotifyX' }).expect(202);
    expect(accepted.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/), status: 'queued', to: '+5511987654321', segments: 1, encoding: 'UCS-2',
    });
    const id = accepted.body.id as string;

    const delivered = await waitFor('delivered', async () => {
      const message = await getMessage(id);
      return message.status === 'delivered' && message;
    });
    expect(delivered.twilioSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(delivered.history.map((change: { status: string }) => change.status)).toEqual([
      'queued', 'sending', 'sent', 'delivered',
    ]);
    const sandboxCopy = system.sandbox.messages().find((message) => message.sid === delivered.twilioSid);
    expect(sandboxCopy).toMatchObject({ to: '+5511987654321', body: 'Olá from NotifyX', from: '+15005550006' });
  });

  it.each([
    ['+15005550001', 21211],
    ['+15005550002', 21612],
    ['+15005550003', 21408],
    ['+15005550004', 21610],
    ['+15005550009', 21614],
  ])('ends %s as failed with Twilio code %i and a readable description', async (to, code) => {
    const { body } = await send({ to, body: 'magic' }).expect(202);
    const failed = await waitFor(`failed ${to}`, async () => {
      const message = await getMessage(body.id);
      return message.status === 'failed' && message;
    });
    expect(failed.errorCode).toBe(code);
    expect(failed.errorMessage).toEqual(expect.any(String));
    expect(failed.errorDescription.length).toBeGreaterThan(20);
    expect(failed.history.map((change: { status: string }) => change.status)).toEqual(['queued', 'sending', 'failed']);
  });

  it('sends the seed test text from POST /v1/messages/test-sms', async () => {
    const { body } = await system.http().post('/v1/messages/test-sms').set('x-api-key', TEST_API_KEY)
      .send({ phone: '11987650000' }).expect(202);
    expect(body.to).toBe('+5511987650000');
    const sent = await waitFor('test sms delivered', async () => {
      const message = await getMessage(body.id);
      return message.status === 'delivered' && message;
    });
    expect(sent.body).toContain('NotifyX test message');
  });

  it('lists messages newest first, filtered by status and recipient, with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await send({ to: '+5521987650001', body: `list ${i}` }).expect(202)).body.id);
    }
    const page1 = await system.http().get('/v1/messages').query({ to: '21987650001', limit: 2 })
      .set('x-api-key', TEST_API_KEY).expect(200);
    expect(page1.body.items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const page2 = await system.http().get('/v1/messages').query({ to: '+5521987650001', limit: 2, cursor: page1.body.nextCursor })
      .set('x-api-key', TEST_API_KEY).expect(200);
    expect(page2.body.items.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const failed = await system.http().get('/v1/messages').query({ status: 'failed' }).set('x-api-key', TEST_API_KEY).expect(200);
    expect(failed.body.items.length).toBeGreaterThan(0);
    expect(failed.body.items.every((m: { status: string }) => m.status === 'failed')).toBe(true);
  });

  it('records acceptance, every status change and failures in the audit log', async () => {
    const { body } = await send({ to: '+15005550001', body: 'audit me' }).expect(202);
    await waitFor('failure audited', async () => {
      const audit = await system.http().get('/v1/audit').query({ messageId: body.id, action: 'message.failed' })
        .set('x-api-key', TEST_API_KEY).expect(200);
      return audit.body.items.length === 1;
    });
    const all = await system.http().get('/v1/audit').query({ messageId: body.id }).set('x-api-key', TEST_API_KEY).expect(200);
    const actions = all.body.items.map((entry: { action: string }) => entry.action).reverse();
    expect(actions).toEqual(['message.accepted', 'message.status_changed', 'message.failed']);
    const accepted = all.body.items.at(-1);
    expect(accepted.actor).toMatch(/^apikey:[0-9a-f]{8}$/);
    expect(accepted.requestId).toEqual(expect.any(String));
    expect(JSON.stringify(all.body)).not.toContain(TEST_API_KEY);
  });

  it('stores 60 sends that arrive together (written in rounds), each once and audited with its own request id, and delivers each', async () => {
    const numbers = Array.from({ length: 60 }, (_, i) => `+551198770${String(i).padStart(4, '0')}`);
    const answers = await Promise.all(numbers.map((to, i) => send({ to, body: `together ${i}` }).set('x-request-id', `together-${i}`)));
    expect(answers.map((answer) => answer.status)).toEqual(numbers.map(() => 202));
    expect(answers.map((answer) => answer.body.to)).toEqual(numbers);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(60);
    const ids = answers.map((answer) => answer.body.id);
    const db = system.mongo.db(system.dbName);
    const audited = await db.collection('audit_log').find({ action: 'message.accepted', messageId: { $in: ids } }).toArray();
    expect(audited.map((entry) => `${entry.messageId} ${entry.requestId}`).sort()).toEqual(ids.map((id, i) => `${id} together-${i}`).sort());
    const stored = await db.collection('messages').find({ to: { $in: numbers } }).toArray();
    expect(stored.map((doc) => doc.body).sort()).toEqual(numbers.map((_, i) => `together ${i}`).sort());
    // Fields not given stay absent (a lean insert would otherwise store them as null).
    expect(stored.filter((doc) => 'sendAt' in doc || 'metadata' in doc)).toEqual([]);
    await waitFor('all 60 delivered', async () => (await Promise.all(ids.map(getMessage))).every((m) => m.status === 'delivered'), 90000, 500);
    expect(numbers.map((to) => system.sandbox.sendsTo(to))).toEqual(numbers.map(() => 1));
    expect(await db.collection('outbox').countDocuments()).toBe(0);
  });
});
