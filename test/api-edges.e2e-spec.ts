import { connect as amqpConnect } from 'amqplib';
import { ObjectId } from 'mongodb';
import { createHmac } from 'node:crypto';
import { WebhookRefusals } from '../src/webhooks/webhook-refusals';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem, TEST_API_KEY, TEST_AUTH_TOKEN } from './support/system';
import { waitFor } from './support/wait-for';

describe('bad input, auth and forged callbacks change nothing', () => {
  let system: RunningSystem;
  const messages = () => system.mongo.db(system.dbName).collection('messages');

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  const post = (body: object) => system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).send(body);

  it.each([
    [{ to: '123', body: 'x' }, 'invalid_phone_number', /"123" is not a valid phone number/],
    [{ to: '+5511987654321', body: '' }, 'validation_failed', /body must be longer than or equal to 1 characters/],
    [{ to: '+5511987654321', body: 'x'.repeat(1601) }, 'validation_failed', /body must be shorter than or equal to 1600/],
    [{ to: '+5511987654321', body: 'hi', urgency: 'high' }, 'validation_failed', /property urgency should not exist/],
    [{ to: '+5511987654321', body: 'hi', priority: 'urgent' }, 'validation_failed', /priority must be one of: high, normal, low/],
    [{ body: 'hi' }, 'validation_failed', /to must be/],
    [{ to: '+5511987654321', body: 'hi', metadata: { $where: '1' } }, 'validation_failed', /metadata key "\$where"/],
    [{ to: { $gt: '' }, body: 'hi' }, 'validation_failed', /to must be a string/],
  ])('POST %j → 400 %s, and nothing is stored', async (body, code, message) => {
    const before = await messages().countDocuments();
    const response = await post(body).expect(400).expect('content-type', /json/);
    expect(response.body).toMatchObject({ statusCode: 400, code, message: expect.stringMatching(message), requestId: expect.any(String) });
    expect(await messages().countDocuments()).toBe(before);
  });

  it('answers 401 JSON without a key or with a wrong one', async () => {
    const missing = await system.http().post('/v1/messages').send({ to: '+5511987654321', body: 'hi' }).expect(401);
    expect(missing.body).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    const wrong = await system.http().get('/v1/messages').set('x-api-key', 'nope').expect(401);
    expect(wrong.body.code).toBe('unauthorized');
    await system.http().get('/v1/audit').expect(401);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = await system.http().get('/v1/messages/6650f1c2a1b2c3d4e5f60718').set('x-api-key', TEST_API_KEY).expect(404);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
    const malformed = await system.http().get('/v1/messages/not-an-id').set('x-api-key', TEST_API_KEY).expect(400);
    expect(malformed.body).toMatchObject({ code: 'invalid_id' });
  });

  it.each([
    [{ status: 'lost' }, /status must be one of/],
    [{ limit: '0' }, /limit must not be less than 1/],
    [{ cursor: 'abc' }, /cursor must be a nextCursor/],
    [{ to: 'abc' }, /not a valid phone number/],
  ])('GET /v1/messages?%j → 400', async (query, message) => {
    const response = await system.http().get('/v1/messages').query(query).set('x-api-key', TEST_API_KEY).expect(400);
    expect(response.body.message).toMatch(message);
  });

  it('reports MongoDB and RabbitMQ on /health without a key', async () => {
    const health = await system.http().get('/health').expect(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { mongodb: { status: 'up' }, rabbitmq: { status: 'up' } } });
  });

  describe('status callbacks', () => {
    const sign = (url: string, params: Record<string, string>, token = TEST_AUTH_TOKEN) =>
      createHmac('sha1', token).update(Object.keys(params).sort().reduce((acc, key) => acc + key + params[key], url)).digest('base64');

    async function deliveredMessage(): Promise<{ id: string; twilioSid: string }> {
      const { body } = await post({ to: '+5511987650099', body: 'callbacks' }).expect(202);
      return waitFor('delivered', async () => {
        const message = (await system.http().get(`/v1/messages/${body.id}`).set('x-api-key', TEST_API_KEY)).body;
        return message.status === 'delivered' && message;
      });
    }

    it('refuses a forged callback with 403, changes nothing and audits the attempt', async () => {
      const message = await deliveredMessage();
      const path = `/v1/webhooks/twilio/status?messageId=${message.id}`;
      const params = { MessageSid: message.twilioSid, MessageStatus: 'failed', ErrorCode: '30003' };
      const forged = await system.http().post(path).type('form').set('x-twilio-signature', sign(`${system.baseUrl}${path}`, params, 'guessed'))
        .send(params).expect(403);
      expect(forged.body).toMatchObject({ statusCode: 403, code: 'invalid_signature' });
      const after = (await system.http().get(`/v1/messages/${message.id}`).set('x-api-key', TEST_API_KEY)).body;
      expect(after.status).toBe('delivered');
      await system.api.get(WebhookRefusals).flush();
      const audit = await system.http().get('/v1/audit').query({ action: 'webhook.signature_rejected' }).set('x-api-key', TEST_API_KEY);
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
    });

    it('never moves a message backwards: a late signed `sent` after `delivered` is ignored', async () => {
      const message = await deliveredMessage();
      const path = `/v1/webhooks/twilio/status?messageId=${message.id}`;
      const params = { MessageSid: message.twilioSid, MessageStatus: 'sent' };
      await system.http().post(path).type('form').set('x-twilio-signature', sign(`${system.baseUrl}${path}`, params)).send(params).expect(204);
      const after = (await system.http().get(`/v1/messages/${message.id}`).set('x-api-key', TEST_API_KEY)).body;
      expect(after.status).toBe('delivered');
      expect(after.history.map((change: { status: string }) => change.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    });

    it('leaves a `sent` callback to the worker that holds the message `sending`; a later status still applies', async () => {
      // A message a worker has claimed and is sending: scheduled far ahead so no worker takes it, then marked as claimed.
      const { body } = await post({ to: '+5511987650098', body: 'racing callback', sendAt: new Date(Date.now() + 86_400_000).toISOString() }).expect(202);
      await messages().updateOne({ _id: new ObjectId(body.id) }, { $set: { status: 'sending', attempts: 1 }, $push: { history: { status: 'sending', at: new Date() } } as never });
      const path = `/v1/webhooks/twilio/status?messageId=${body.id}`;
      const callback = (params: Record<string, string>) =>
        system.http().post(path).type('form').set('x-twilio-signature', sign(`${system.baseUrl}${path}`, params)).send(params).expect(204);
      const view = async () => (await system.http().get(`/v1/messages/${body.id}`).set('x-api-key', TEST_API_KEY)).body;

      await callback({ MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'sent' });
      expect(await view()).toMatchObject({ status: 'sending' });
      expect((await view()).twilioSid).toBeUndefined();

      await callback({ MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered' });
      const after = await view();
      expect(after).toMatchObject({ status: 'delivered', twilioSid: 'SM0123456789abcdef0123456789abcdef' });
      expect(after.history.map((change: { status: string }) => change.status)).toEqual(['scheduled', 'sending', 'delivered']);
      const audit = await system.http().get('/v1/audit').query({ messageId: body.id }).set('x-api-key', TEST_API_KEY);
      expect(audit.body.items.filter((entry: { actor: string }) => entry.actor === 'twilio')
        .map((entry: { details: { to: string } }) => entry.details.to)).toEqual(['delivered']);
    });
  });

  describe('malformed RabbitMQ commands', () => {
    it.each([
      ['not JSON', Buffer.from('this is not json'), /not a JSON object/],
      ['an unknown pattern', Buffer.from(JSON.stringify({ pattern: 'sms.explode', data: {} })), /unknown pattern "sms.explode"/],
      ['a missing message id', Buffer.from(JSON.stringify({ pattern: 'sms.send', data: {} })), /messageId must be a mongodb id/],
      ['an unknown message', Buffer.from(JSON.stringify({ pattern: 'sms.send', data: { messageId: '6650f1c2a1b2c3d4e5f60718' } })), /does not exist/],
    ])('parks %s in <queue>.dead with the reason, and the consumer keeps going', async (_, content, reason) => {
      const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
      const channel = await connection.createChannel();
      channel.sendToQueue(system.queue, content, { persistent: true });
      const parked = await waitFor('dead letter', async () => (await channel.get(`${system.queue}.dead`, { noAck: true })) || undefined);
      expect(parked.content.toString()).toBe(content.toString());
      expect(String(parked.properties.headers?.['x-notifyx-reason'])).toMatch(reason);
      await connection.close();

      const { body } = await post({ to: '+5511987650042', body: 'still consuming' }).expect(202);
      await waitFor('next message sent', async () =>
        ['sent', 'delivered'].includes((await system.http().get(`/v1/messages/${body.id}`).set('x-api-key', TEST_API_KEY)).body.status));
    });
  });
});
