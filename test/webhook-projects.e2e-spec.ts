import { brMobile } from './support/delivery-kit';
import { freePort, RunningSystem, startSystem, TEST_API_KEY, TEST_FROM } from './support/system';
import { asKey, createProject } from './support/projects';
import { waitFor } from './support/wait-for';
import { ReceivedPost, WebhookReceiver } from './support/webhook-receiver';

interface Keys {
  id: string;
  admin: string;
}

/**
 * Webhook endpoints per project on the real API, worker, FerretDB and RabbitMQ, with a real HTTP
 * receiver: one project's key never reaches another's endpoint, and an endpoint receives its own
 * project's events only (a recipient's opt-out: every project's).
 */
describe('webhook endpoints per project', () => {
  let system: RunningSystem;
  let receiver: WebhookReceiver;
  let a: Keys;
  let b: Keys;
  const as = (key: string) => asKey(() => system, key);
  const root = as(TEST_API_KEY);
  const startedAt = new Date();
  /** Posts the receiver got for the endpoint made with `?for=<tag>`. */
  const postsFor = (tag: string): ReceivedPost[] => receiver.posts.filter((post) => post.path === `/hook?for=${tag}`);
  const delivered = (tag: string, messageId: string) => postsFor(tag).some((post) => post.event.type === 'message.delivered' && post.event.data.messageId === messageId);

  const project = (name: string): Promise<Keys> => createProject(() => system, name);

  async function endpoint(key: string, tag: string): Promise<string> {
    const eventTypes = ['message.sent', 'message.delivered', 'message.received', 'opt_out.changed'];
    return (await as(key).post('/v1/webhook-endpoints', { url: `${receiver.url}?for=${tag}`, eventTypes }).expect(201)).body.id as string;
  }

  beforeAll(async () => {
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    system = await startSystem();
    a = await project('hooks-a');
    b = await project('hooks-b');
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.stop();
  });

  it("answers 404 for another project's endpoint on every route with an id, and never lists or reports it", async () => {
    const ofA = await endpoint(a.admin, 'crud-a');
    const ofRoot = await endpoint(TEST_API_KEY, 'crud-root');
    expect((await as(a.admin).get(`/v1/webhook-endpoints/${ofA}`).expect(200)).body.projectId).toBe(a.id);
    expect((await root.get(`/v1/webhook-endpoints/${ofRoot}`).expect(200)).body.projectId).toBe('root');
    for (const [caller, other] of [[b.admin, ofA], [a.admin, ofRoot]]) {
      const routes = [
        as(caller).get(`/v1/webhook-endpoints/${other}`), as(caller).patch(`/v1/webhook-endpoints/${other}`, { enabled: false }),
        as(caller).post(`/v1/webhook-endpoints/${other}/roll-secret`, { overlapHours: 0 }), as(caller).get(`/v1/webhook-endpoints/${other}/deliveries`),
        as(caller).post(`/v1/webhook-endpoints/${other}/replay`, { from: startedAt, to: new Date() }), as(caller).delete(`/v1/webhook-endpoints/${other}`),
      ];
      for (const route of routes) expect((await route.expect(404)).body.code).toBe('webhook_endpoint_not_found');
    }
    const audited = async (key: string) => ((await as(key).get('/v1/audit?action=webhook_endpoint.created').expect(200)).body.items as { details: { endpointId: string } }[])
      .map((entry) => entry.details.endpointId);
    expect([await audited(a.admin), await audited(b.admin)]).toEqual([[ofA], []]);
    // Untouched by the refused calls: still enabled, one secret.
    expect((await as(a.admin).get(`/v1/webhook-endpoints/${ofA}`).expect(200)).body).toMatchObject({ enabled: true, activeSecrets: 1 });
    const listed = async (key: string) => ((await as(key).get('/v1/webhook-endpoints').expect(200)).body as { id: string }[]).map((item) => item.id);
    const reported = async (key: string) => ((await as(key).get('/v1/reports/webhooks').expect(200)).body.endpoints as { id: string }[]).map((row) => row.id);
    for (const seen of [listed, reported]) {
      expect(await seen(a.admin)).toEqual([ofA]);
      expect(await seen(b.admin)).toEqual([]);
      expect(await seen(TEST_API_KEY)).toEqual(expect.arrayContaining([ofA, ofRoot]));
    }
    await as(a.admin).delete(`/v1/webhook-endpoints/${ofA}`).expect(204);
    await root.delete(`/v1/webhook-endpoints/${ofRoot}`).expect(204);
  });

  it("delivers a message's events to its own project's endpoints only, a recipient's STOP to every project's; replays only the endpoint's project's", async () => {
    const ids = { a: await endpoint(a.admin, 'a'), b: await endpoint(b.admin, 'b'), root: await endpoint(TEST_API_KEY, 'root') };
    const send = async (key: string, n: number) => (await as(key).post('/v1/messages', { to: brMobile(7000 + n), body: `project hook ${n}` }).expect(202)).body.id as string;
    const messages = { a: await send(a.admin, 1), b: await send(b.admin, 2), root: await send(TEST_API_KEY, 3) };
    await waitFor('each endpoint got its own delivered', async () => delivered('a', messages.a) && delivered('b', messages.b) && delivered('root', messages.root), 30000);
    // Each message's sent event was handled before its delivered one: a stray copy would be here by now.
    for (const tag of ['a', 'b', 'root'] as const) {
      const got = new Set(postsFor(tag).map((post) => post.event.data.messageId));
      expect([...got]).toEqual([messages[tag]]);
      const projectId = tag === 'root' ? 'root' : { a, b }[tag].id;
      expect(postsFor(tag).every((post) => post.event.data.projectId === projectId)).toBe(true);
    }
    const inbound = (from: string, body: string) => system.sandbox.control('POST', '/__sandbox/inbound', { from, to: TEST_FROM, body });
    await inbound('+5511911117101', 'Where is my order?');
    await as(a.admin).post('/v1/opt-outs', { phone: '+5511911117102', reason: 'asked by phone' }).expect(201);
    await inbound('+5511911117103', 'STOP');
    const optOuts = (tag: string) => postsFor(tag).filter((post) => post.event.type === 'opt_out.changed').map((post) => post.event.data.phone);
    await waitFor('the STOP posted to every project', async () => ['a', 'b', 'root'].every((tag) => optOuts(tag).includes('+5511911117103')), 30000);
    // Handled before the STOP: a stray copy of the inbound text or of A's hand-made opt-out would be here by now.
    expect(optOuts('a').sort()).toEqual(['+5511911117102', '+5511911117103']);
    expect([optOuts('b'), optOuts('root')]).toEqual([['+5511911117103'], ['+5511911117103']]);
    const received = (tag: string) => postsFor(tag).filter((post) => post.event.type === 'message.received').length;
    expect([received('a'), received('b'), received('root')]).toEqual([0, 0, 1]);

    const before = postsFor('a').length;
    const { body: ranged } = await as(a.admin).post(`/v1/webhook-endpoints/${ids.a}/replay`, { from: startedAt, to: new Date() }).expect(202);
    // A's sent and delivered, A's opt-out and the STOP; none of B's or root's.
    expect(ranged.replayed).toBe(4);
    const replayed = await waitFor('range replayed', async () => postsFor('a').length === before + 4 && postsFor('a').slice(before));
    expect(replayed.every((post) => post.event.type === 'opt_out.changed' || post.event.data.messageId === messages.a)).toBe(true);
    // statusCallback attempts count in the report of the message's project only.
    await as(a.admin).post('/v1/messages', { to: brMobile(7200), body: 'with a callback', statusCallback: `${receiver.url}?for=callback` }).expect(202);
    const callbackRow = async (key: string) => ((await as(key).get('/v1/reports/webhooks').expect(200)).body.endpoints as { id: string; attempts: number }[])
      .find((row) => row.id === 'callback');
    await waitFor('A\'s callback attempts reported', async () => ((await callbackRow(a.admin))?.attempts ?? 0) >= 2, 30000);
    expect(await callbackRow(b.admin)).toBeUndefined();
    const eventOfB = postsFor('b').find((post) => post.event.type === 'message.delivered')!.event.id;
    await as(a.admin).post(`/v1/webhook-endpoints/${ids.a}/replay`, { eventId: eventOfB }).expect(404).expect((res) => expect(res.body.code).toBe('event_not_found'));
    expect((await root.post(`/v1/webhook-endpoints/${ids.root}/replay`, { eventId: eventOfB }).expect(404)).body.code).toBe('event_not_found');
  });
});
