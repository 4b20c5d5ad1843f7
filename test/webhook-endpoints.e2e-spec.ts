import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { derivedCallbackSecret } from '../src/config/events-env';
import { smsQueueOptions } from '../src/queue/sms-topology';
import { testServiceUrls } from './support/services';
import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { freePort, rabbitSettingsOf, RunningSystem, startSystem, TEST_API_KEY, TEST_AUTH_TOKEN, TEST_FROM } from './support/system';
import { waitFor } from './support/wait-for';
import { WebhookReceiver } from './support/webhook-receiver';

const MAX_ATTEMPTS = 30;
const DISABLE_AFTER_MS = 15000;
const METRICS_TOKEN = 'webhook-metrics-token-0123456789abcdef';

/**
 * Signed webhooks end to end: the real API and worker, the events exchange, the webhook queue and
 * its delay queues on the real RabbitMQ, and a real HTTP receiver this test stops and restarts.
 * The backoff is shortened (WEBHOOK_RETRY_BASE_MS) so an outage of many retries takes seconds.
 */
describe('webhook endpoints', () => {
  const exchange = `notifyx.test.${randomBytes(4).toString('hex')}.events`;
  let system: RunningSystem;
  let kit: DeliveryKit;
  let receiver: WebhookReceiver;
  const admin = () => ({
    post: (path: string, body: object) => system.http().post(path).set('x-api-key', TEST_API_KEY).send(body),
    get: (path: string) => system.http().get(path).set('x-api-key', TEST_API_KEY),
    patch: (path: string, body: object) => system.http().patch(path).set('x-api-key', TEST_API_KEY).send(body),
    delete: (path: string) => system.http().delete(path).set('x-api-key', TEST_API_KEY),
  });

  beforeAll(async () => {
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    system = await startSystem({ env: {
      EVENTS_EXCHANGE: exchange, WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_RETRY_MAX_MS: '1000', WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS), WEBHOOK_TIMEOUT_MS: '1000', METRICS_TOKEN,
    } });
    kit = deliveryKit(system);
  });
  afterEach(() => {
    receiver.status = 200;
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.stop();
  });

  async function createEndpoint(body: object = {}): Promise<{ id: string; secret: string }> {
    const { body: created } = await admin().post('/v1/webhook-endpoints', { url: receiver.url, ...body }).expect(201);
    return created as { id: string; secret: string };
  }

  it('creates, lists, changes and deletes endpoints; the secret is shown once; admin scope only', async () => {
    const created = await createEndpoint({ description: 'crud', eventTypes: ['message.failed'] });
    expect(created.secret).toMatch(/^whsec_/);
    const { body: listed } = await admin().get('/v1/webhook-endpoints').expect(200);
    expect(listed.find((endpoint: { id: string }) => endpoint.id === created.id)).toMatchObject({ description: 'crud', enabled: true, activeSecrets: 1 });
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const { body: changed } = await admin().patch(`/v1/webhook-endpoints/${created.id}`, { eventTypes: ['message.canceled'] }).expect(200);
    expect(changed.eventTypes).toEqual(['message.canceled']);
    const { body: refused } = await admin().post('/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['message.sending'] }).expect(400);
    expect(JSON.stringify(refused)).toContain('eventTypes');
    const { body: reader } = await admin().post('/v1/api-keys', { name: 'reader', scopes: ['messages:read', 'messages:send'] }).expect(201);
    await system.http().get('/v1/webhook-endpoints').set('x-api-key', reader.key).expect(403);
    await admin().delete(`/v1/webhook-endpoints/${created.id}`).expect(204);
    await admin().get(`/v1/webhook-endpoints/${created.id}`).expect(404);
    for (const action of ['webhook_endpoint.created', 'webhook_endpoint.updated', 'webhook_endpoint.deleted']) {
      const { body: audit } = await admin().get(`/v1/audit?action=${action}`).expect(200);
      expect(audit.items.find((entry: { details: { endpointId: string } }) => entry.details.endpointId === created.id)).toMatchObject({ details: { host: `127.0.0.1:${receiver.port}` } });
    }
  });

  it('posts each outcome signed per Standard Webhooks, with the event id as webhook-id; logs each attempt', async () => {
    const endpoint = await createEndpoint();
    const { body } = await kit.post({ to: brMobile(11), body: 'webhook hello', metadata: { ref: 'w1' } }).expect(202);
    const posts = await waitFor('sent and delivered posted', async () => receiver.of(body.id).length >= 2 && receiver.of(body.id));
    expect(posts.map((post) => post.event.type).sort()).toEqual(['message.delivered', 'message.sent']);
    for (const post of posts) {
      expect(WebhookReceiver.verify(post, endpoint.secret)).toMatchObject({ id: post.event.id });
      expect(post.headers['webhook-id']).toBe(post.event.id);
    }
    expect(() => WebhookReceiver.verify(posts[0], `whsec_${randomBytes(24).toString('base64')}`)).toThrow();
    expect(posts.find((post) => post.event.type === 'message.delivered')!.event.data).toMatchObject({ status: 'delivered', metadata: { ref: 'w1' }, segments: 1 });
    const { body: log } = await waitFor('attempts logged', async () => {
      const response = await admin().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`);
      return response.body.items?.length >= 2 && response;
    });
    expect(log.items[0]).toMatchObject({ ok: true, statusCode: 200, attempt: 1, latencyMs: expect.any(Number) });
    await admin().delete(`/v1/webhook-endpoints/${endpoint.id}`).expect(204);
  });

  it('the receiver down through many retries, then back: every event arrives; a repeat only with the same id', async () => {
    const endpoint = await createEndpoint();
    await receiver.stop();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await kit.post({ to: brMobile(20 + i), body: `outage ${i}` }).expect(202)).body.id);
    // Several failed attempts each (backoff 200 ms doubling to 1 s): the outage spans many retries.
    await waitFor('retries under way', async () => {
      const { body } = await admin().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=200`);
      return body.items.filter((item: { ok: boolean; attempt: number }) => !item.ok && item.attempt >= 4).length >= 6;
    }, 30000, 200);
    await receiver.start();
    await waitFor('all 6 outcomes arrived', async () => ids.every((id) => new Set(receiver.of(id).map((post) => post.event.type)).size === 2), 30000);
    for (const id of ids) {
      const posts = receiver.of(id);
      const byType = new Map(posts.map((post) => [post.event.type, post.event.id]));
      // Any repeat of a type carries that type's one id.
      expect(posts.every((post) => byType.get(post.event.type) === post.event.id)).toBe(true);
      for (const post of posts) WebhookReceiver.verify(post, endpoint.secret);
    }
    const { body: view } = await admin().get(`/v1/webhook-endpoints/${endpoint.id}`).expect(200);
    expect(view).toMatchObject({ enabled: true });
    expect(view.failingSince).toBeUndefined();
    await admin().delete(`/v1/webhook-endpoints/${endpoint.id}`).expect(204);
  });

  it('rolls a secret with an overlap (both signatures sent), and replays one event and a time range with the same ids', async () => {
    const endpoint = await createEndpoint({ eventTypes: ['message.delivered'] });
    const { body: rolled } = await admin().post(`/v1/webhook-endpoints/${endpoint.id}/roll-secret`, { overlapHours: 1 }).expect(201);
    expect(rolled.activeSecrets).toBe(2);
    const from = new Date(Date.now() - 1000);
    const { body } = await kit.post({ to: brMobile(30), body: 'rolled' }).expect(202);
    const [post] = await waitFor('delivered posted', async () => receiver.of(body.id).length >= 1 && receiver.of(body.id));
    expect(String(post.headers['webhook-signature']).split(' ')).toHaveLength(2);
    WebhookReceiver.verify(post, endpoint.secret);
    WebhookReceiver.verify(post, rolled.secret);
    await admin().post(`/v1/webhook-endpoints/${endpoint.id}/replay`, { eventId: post.event.id }).expect(202);
    await waitFor('replayed once', async () => receiver.of(body.id).length === 2);
    const { body: ranged } = await admin().post(`/v1/webhook-endpoints/${endpoint.id}/replay`, { from, to: new Date() }).expect(202);
    expect(ranged.replayed).toBe(1);
    await waitFor('replayed by range', async () => receiver.of(body.id).length === 3);
    expect(new Set(receiver.of(body.id).map((item) => item.event.id)).size).toBe(1);
    await admin().post(`/v1/webhook-endpoints/${endpoint.id}/replay`, {}).expect(400);
    await admin().delete(`/v1/webhook-endpoints/${endpoint.id}`).expect(204);
  });

  it('posts a message\'s own events to its statusCallback (single, bulk, producer command), signed with the callback secret', async () => {
    const secret = derivedCallbackSecret(TEST_AUTH_TOKEN);
    const callback = (tag: string) => `${receiver.url}?for=${tag}`;
    const { body: single } = await kit.post({ to: brMobile(50), body: 'with a callback', statusCallback: callback('single') }).expect(202);
    const { body: bulk } = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY)
      .send({ body: 'bulk with a callback', recipients: [{ to: brMobile(51) }, { to: brMobile(52) }], statusCallback: callback('bulk') }).expect(202);
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    const data = { to: brMobile(53), body: 'producer with a callback', producerId: 'cb-1', statusCallback: callback('producer') };
    channel.sendToQueue(system.queue, Buffer.from(JSON.stringify({ pattern: 'sms.send', data })), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();
    const delivered = (tag: string) => receiver.posts.filter((post) => post.path === `/hook?for=${tag}` && post.event.type === 'message.delivered');
    await waitFor('callbacks delivered', async () => delivered('single').length === 1 && delivered('bulk').length === 2 && delivered('producer').length === 1, 30000);
    expect(delivered('single')[0].event.data.messageId).toBe(single.id);
    expect(delivered('producer')[0].event.data.producerId).toBe('cb-1');
    expect(bulk.accepted).toBe(2);
    for (const post of [...delivered('single'), ...delivered('bulk'), ...delivered('producer')]) WebhookReceiver.verify(post, secret);
    const { body: refused } = await kit.post({ to: brMobile(54), body: 'bad callback', statusCallback: 'ftp://example.com/x' }).expect(400);
    expect(refused.message).toMatch(/statusCallback/);
  });

  it('posts inbound texts (not keywords) as message.received and blocklist changes as opt_out.changed', async () => {
    const endpoint = await createEndpoint({ eventTypes: ['message.received', 'opt_out.changed'] });
    const inbound = (from: string, body: string) => system.sandbox.control('POST', '/__sandbox/inbound', { from, to: TEST_FROM, body });
    await inbound('+5511911112001', 'Where is my order?');
    await inbound('+5511911112002', 'STOP');
    const of = (type: string) => receiver.posts.filter((post) => post.event.type === type);
    const [received] = await waitFor('message.received', async () => of('message.received').length === 1 && of('message.received'));
    expect(received.event.data).toMatchObject({ from: '+5511911112001', to: TEST_FROM, body: 'Where is my order?' });
    expect(received.event.id).toMatch(/^evt_in_/);
    const [optOut] = await waitFor('opt_out.changed', async () => of('opt_out.changed').length === 1 && of('opt_out.changed'));
    expect(optOut.event.data).toMatchObject({ phone: '+5511911112002', optedOut: true, source: 'keyword' });
    WebhookReceiver.verify(optOut, endpoint.secret);
    // STOP is a keyword: no message.received for it.
    expect(of('message.received').map((post) => post.event.data.from)).toEqual(['+5511911112001']);
    await admin().delete(`/v1/webhook-endpoints/${endpoint.id}`).expect(204);
  });

  it('parks what is published to the exchange but is no event in <webhook queue>.dead with the reason', async () => {
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, 'message.delivered', Buffer.from('{"not":"an event"}'), { persistent: true });
    await channel.waitForConfirms();
    const parked = await waitFor('parked', async () => (await channel.get(`${exchange}.webhooks.dead`, { noAck: true })) || undefined);
    expect(parked.content.toString()).toBe('{"not":"an event"}');
    expect(String(parked.properties.headers?.['x-notifyx-reason'])).toMatch(/not an event/);
    await connection.close();
  });

  it(`disables an endpoint failing for WEBHOOK_DISABLE_AFTER_MS and says why`, async () => {
    const endpoint = await createEndpoint({ url: `http://127.0.0.1:${await freePort()}/nobody-home`, eventTypes: ['message.delivered', 'message.sent'] });
    for (let i = 0; i < 2; i += 1) await kit.post({ to: brMobile(40 + i), body: `to a dead endpoint ${i}` }).expect(202);
    const view = await waitFor('disabled', async () => {
      const { body } = await admin().get(`/v1/webhook-endpoints/${endpoint.id}`);
      return body.enabled === false && body;
    }, DISABLE_AFTER_MS + 20000, 500);
    expect(view.disabledReason).toMatch(/every delivery failed since/);
    const { body: audit } = await admin().get('/v1/audit?action=webhook_endpoint.disabled').expect(200);
    expect(audit.items[0]).toMatchObject({ actor: 'notifyx', details: { endpointId: endpoint.id } });
    const { body: report } = await admin().get('/v1/reports/webhooks').expect(200);
    expect(report.endpoints[0]).toMatchObject({ id: endpoint.id, enabled: false, succeeded: 0, successRate: 0 });
    expect(report.successRate).toBeGreaterThan(0);
    expect(report.successRate).toBeLessThan(1);
    const metrics = (await system.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
    expect(metrics).toMatch(new RegExp(`notifyx_event_deliveries_total\\{endpoint="${endpoint.id}",outcome="gave_up"\\} [1-9]`));
    expect(metrics).toMatch(/notifyx_event_deliveries_total\{endpoint="callback",outcome="success"\} [1-9]/);
    const { body: log } = await admin().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=200`).expect(200);
    expect(log.items.some((item: { error?: string }) => /endpoint disabled/.test(item.error ?? ''))).toBe(true);
  });
});
