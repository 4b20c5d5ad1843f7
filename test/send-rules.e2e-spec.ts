import { connect as amqpConnect } from 'amqplib';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

/** What every send obeys: the blocklist just before Twilio, and templates rendered before storing. */
describe('send rules: opt-outs and templates', () => {
  let system: RunningSystem;
  const api = () => system.http();
  const post = (body: object) => api().post('/v1/messages').set('x-api-key', TEST_API_KEY).send(body);
  const finalStatus = (id: string) =>
    waitFor(`final status of ${id}`, async () => {
      const message = (await api().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY)).body;
      return ['delivered', 'failed', 'blocked', 'undelivered'].includes(message.status) && message;
    });

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  it('never sends to a number on the blocklist: the message ends blocked and Twilio never sees it', async () => {
    await api().post('/v1/opt-outs').set('x-api-key', TEST_API_KEY).send({ phone: '+5511987650500', reason: 'asked by phone' }).expect(201);
    const { body } = await post({ to: '11987650500', body: 'should not go' }).expect(202);
    const message = await finalStatus(body.id);
    expect(message.status).toBe('blocked');
    expect(message.history.at(-1).detail).toMatch(/opted out|blocklist/);
    expect(system.sandbox.sendsTo('+5511987650500')).toBe(0);
    const audit = await api().get('/v1/audit').query({ messageId: body.id, action: 'message.blocked' }).set('x-api-key', TEST_API_KEY);
    expect(audit.body.items).toHaveLength(1);
  });

  it('honours a STOP sent by the recipient, for producer commands too, until START', async () => {
    const inbound = async (text: string) =>
      system.sandbox.control('POST', '/__sandbox/inbound', { from: '+5511987650501', to: '+15005550006', body: text });
    expect((await inbound(' Stop ')).status).toBe(200);

    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    const command = { pattern: 'sms.send', data: { to: '+5511987650501', body: 'from a producer', producerId: 'rules-1' } };
    channel.sendToQueue(system.queue, Buffer.from(JSON.stringify(command)), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();
    const blocked = await waitFor("producer message stored", async () => {
      const list = await api().get('/v1/messages').query({ to: '+5511987650501' }).set('x-api-key', TEST_API_KEY);
      return list.body.items[0]?.status === 'blocked' && list.body.items[0];
    });
    expect(blocked.body).toBe('from a producer');
    expect(system.sandbox.sendsTo('+5511987650501')).toBe(0);

    expect((await inbound('start')).status).toBe(200);
    const { body } = await post({ to: '+5511987650501', body: 'welcome back' }).expect(202);
    expect((await finalStatus(body.id)).status).toBe('delivered');
  });

  it("adds a number to the blocklist when Twilio answers 21610, and blocks the next send before Twilio", async () => {
    const first = await post({ to: '+15005550004', body: 'unsubscribed at Twilio' }).expect(202);
    expect((await finalStatus(first.body.id)).errorCode).toBe(21610);
    const entries = await api().get('/v1/opt-outs').query({ phone: '+15005550004' }).set('x-api-key', TEST_API_KEY).expect(200);
    expect(entries.body.items).toHaveLength(1);
    const sendsBefore = system.sandbox.messages().length;
    const second = await post({ to: '+15005550004', body: 'again' }).expect(202);
    expect((await finalStatus(second.body.id)).status).toBe('blocked');
    expect(system.sandbox.messages().length).toBe(sendsBefore);
  });

  describe('templates', () => {
    beforeAll(async () => {
      await api().post('/v1/templates').set('x-api-key', TEST_API_KEY)
        .send({ name: 'order-shipped', body: 'Olá {{name}}, seu pedido {{order}} saiu para entrega.', locale: 'pt-BR' }).expect(201);
    });

    it('renders by name, and the rendered text is what is stored and sent', async () => {
      const { body } = await post({ to: '+5511987650502', templateName: 'order-shipped', variables: { name: 'Ana', order: 42 } }).expect(202);
      const message = await finalStatus(body.id);
      expect(message.body).toBe('Olá Ana, seu pedido 42 saiu para entrega.');
      expect(system.sandbox.messages().find((m) => m.sid === message.twilioSid)?.body).toBe(message.body);
    });

    it('refuses a missing variable with 400 naming it, and stores nothing', async () => {
      const before = await system.mongo.db(system.dbName).collection('messages').countDocuments();
      const response = await post({ to: '+5511987650502', templateName: 'order-shipped', variables: { name: 'Ana' } }).expect(400);
      expect(response.body).toMatchObject({ code: 'missing_template_variable', message: expect.stringContaining('"order"') });
      expect(await system.mongo.db(system.dbName).collection('messages').countDocuments()).toBe(before);
    });

    it.each([
      [{ to: '+5511987650502', body: 'x', templateName: 'order-shipped' }, 'invalid_content'],
      [{ to: '+5511987650502' }, 'validation_failed'],
      [{ to: '+5511987650502', templateName: 'nope' }, 'template_not_found'],
    ])('refuses %j', async (request, code) => {
      const response = await post(request);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.code).toBe(code);
    });
  });
});
