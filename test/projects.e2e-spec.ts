import { brMobile, Broker, deliveryKit } from './support/delivery-kit';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { asKey, createProject } from './support/projects';
import { waitFor } from './support/wait-for';
import { TemplatesRepository } from '../src/templates/templates.repository';

interface Keys {
  id: string;
  admin: string;
  sender: string;
}

const SOON = () => new Date(Date.now() + 3_600_000).toISOString();

/** Projects on the real API, worker and FerretDB: what one project's keys can never reach of another's. */
describe('projects: one project cannot see or touch another', () => {
  let system: RunningSystem;
  let broker: Broker;
  let a: Keys;
  let b: Keys;
  const as = (key: string) => asKey(() => system, key);
  const root = as(TEST_API_KEY);
  const ids = (response: { body: { items: { id: string }[] } }) => response.body.items.map((item) => item.id);

  async function project(name: string): Promise<Keys> {
    const { id, admin } = await createProject(() => system, name);
    // A project's own admin makes its keys; they land in its project without naming it.
    const sender = (await as(admin).post('/v1/api-keys', { name: `${name}-sender`, scopes: ['messages:send', 'messages:read'] }).expect(201)).body;
    expect(sender.projectId).toBe(id);
    return { id, admin, sender: sender.key };
  }

  beforeAll(async () => {
    system = await startSystem({ env: { SMS_MAX_ATTEMPTS: '2', SMS_RETRY_BASE_MS: '50', SMS_RETRY_MAX_MS: '100' } });
    broker = await Broker.connect();
    a = await project('team-a');
    b = await project('team-b');
  });
  afterAll(async () => {
    await broker?.close();
    await system?.close();
  });

  it('lets root admins create, list and read projects; nobody else (403 root_project_only)', async () => {
    await root.post('/v1/projects', { name: 'team-a' }).expect(409).expect((res) => expect(res.body.code).toBe('project_name_taken'));
    await root.post('/v1/projects', { name: 'x', dailySegmentCap: -1 }).expect(400).expect((res) => expect(res.body.message).toMatch(/dailySegmentCap/));
    expect(ids(await root.get('/v1/projects').expect(200))).toEqual(expect.arrayContaining([a.id, b.id]));
    await root.get(`/v1/projects/${a.id}`).expect(200).expect((res) => expect(res.body).toMatchObject({ id: a.id, name: 'team-a', dailySegmentCap: null }));
    for (const refused of [as(a.admin).get('/v1/projects'), as(a.admin).post('/v1/projects', { name: 'mine' }), as(a.admin).get(`/v1/projects/${a.id}`), as(a.sender).get('/v1/queues'), as(a.admin).get('/metrics')]) {
      expect((await refused.expect(403)).body.code).toBe('root_project_only');
    }
  });

  it('keeps each project to its own API keys', async () => {
    await as(a.admin).post('/v1/api-keys', { name: 'sneak', scopes: ['admin'], projectId: b.id }).expect(404).expect((res) => expect(res.body.code).toBe('unknown_project'));
    await as(a.admin).post('/v1/api-keys', { name: 'sneak', scopes: ['admin'], projectId: 'root' }).expect(404);
    await root.post('/v1/api-keys', { name: 'nowhere', scopes: ['admin'], projectId: 'f'.repeat(24) }).expect(404);
    const listedByA = (await as(a.admin).get('/v1/api-keys').expect(200)).body.items as { id: string; projectId: string }[];
    expect(listedByA.length).toBeGreaterThanOrEqual(2);
    expect(listedByA.every((key) => key.projectId === a.id)).toBe(true);
    const keyOfB = (await as(b.admin).get('/v1/api-keys').expect(200)).body.items[0].id as string;
    expect((await root.get('/v1/api-keys').expect(200)).body.items.map((key: { id: string }) => key.id)).toContain(keyOfB);
    await as(a.admin).delete(`/v1/api-keys/${keyOfB}`).expect(404);
    await as(b.admin).get('/v1/api-keys').expect(200);
  });

  it("answers 404 for another project's message, never cancels it, and never lists it", async () => {
    const ofA = (await as(a.sender).post('/v1/messages', { to: brMobile(1001), body: 'project a', sendAt: SOON() }).expect(202)).body.id as string;
    const ofRoot = (await root.post('/v1/messages', { to: brMobile(1002), body: 'root', sendAt: SOON() }).expect(202)).body.id as string;
    for (const other of [ofA, ofRoot]) {
      await as(b.sender).get(`/v1/messages/${other}`).expect(404).expect((res) => expect(res.body.code).toBe('not_found'));
      await as(b.sender).post(`/v1/messages/${other}/cancel`).expect(404);
    }
    await as(a.sender).get(`/v1/messages/${ofRoot}`).expect(404);
    expect((await root.get(`/v1/messages/${ofA}`).expect(200)).body.status).toBe('scheduled');
    expect(ids(await as(b.sender).get('/v1/messages?limit=100').expect(200))).toEqual([]);
    expect(ids(await as(b.sender).get(`/v1/messages?to=${encodeURIComponent(brMobile(1001))}`).expect(200))).toEqual([]);
    expect(ids(await as(a.sender).get('/v1/messages?limit=100').expect(200))).toEqual([ofA]);
    expect(ids(await root.get('/v1/messages?limit=100').expect(200))).toEqual(expect.arrayContaining([ofA, ofRoot]));
    // The root project's documents carry no projectId: the ones stored before projects existed are root's alike.
    const stored = await system.mongo.db(system.dbName).collection('messages').find({}, { projection: { projectId: 1 } }).toArray();
    expect(stored.map((doc) => [doc._id.toHexString(), doc.projectId])).toEqual(expect.arrayContaining([[ofA, a.id], [ofRoot, undefined]]));
    await as(a.sender).post(`/v1/messages/${ofA}/cancel`).expect(200);
  });

  it("answers 404 for another project's batch", async () => {
    const batchId = (await as(a.sender).post('/v1/messages/bulk', { body: 'bulk a', sendAt: SOON(), recipients: [{ to: brMobile(1101) }] }).expect(202)).body.batchId as string;
    await as(b.sender).get(`/v1/batches/${batchId}`).expect(404);
    await as(a.sender).get(`/v1/batches/${batchId}`).expect(200);
    await root.get(`/v1/batches/${batchId}`).expect(200);
    const written = await waitFor('the batch written out', async () => (await system.mongo.db(system.dbName).collection('messages').findOne({ batchId })) ?? undefined);
    expect(written.projectId).toBe(a.id);
  });

  it('keeps templates per project: same names allowed, no reading, changing, deleting or sending with another\'s', async () => {
    const ofA = (await as(a.admin).post('/v1/templates', { name: 'otp', body: 'A code {{code}}' }).expect(201)).body.id as string;
    await as(b.admin).post('/v1/templates', { name: 'otp', body: 'B code {{code}}' }).expect(201);
    await root.post('/v1/templates', { name: 'otp', body: 'root code {{code}}' }).expect(201);
    await as(b.admin).post('/v1/templates', { name: 'otp', body: 'again' }).expect(409);
    await as(b.admin).get(`/v1/templates/${ofA}`).expect(404);
    await as(b.admin).patch(`/v1/templates/${ofA}`, { body: 'hijacked' }).expect(404);
    await as(b.admin).delete(`/v1/templates/${ofA}`).expect(404);
    expect((await as(a.admin).get(`/v1/templates/${ofA}`).expect(200)).body.body).toBe('A code {{code}}');
    expect(ids(await as(b.admin).get('/v1/templates').expect(200))).not.toContain(ofA);
    await as(b.sender).post('/v1/messages', { to: brMobile(1201), templateId: ofA, variables: { code: 1 }, sendAt: SOON() }).expect(404);
    for (const [key, text] of [[b.sender, 'B code 7'], [TEST_API_KEY, 'root code 7'], [a.sender, 'A code 7']] as const) {
      const sent = (await as(key).post('/v1/messages', { to: brMobile(1202), templateName: 'otp', variables: { code: 7 }, sendAt: SOON() }).expect(202)).body.id;
      expect((await as(key).get(`/v1/messages/${sent}`).expect(200)).body.body).toBe(text);
    }
  });

  it("gives templates from before projects to root, and drops the old index that made names unique across projects", async () => {
    const templates = system.mongo.db(system.dbName).collection('templates');
    await templates.insertOne({ name: 'legacy', body: 'old {{x}}', createdBy: 'apikey:old', createdAt: new Date(), updatedAt: new Date() });
    // Not unique here: the projects above share names already; what matters is that the old index goes.
    await templates.createIndex({ name: 1 }, { name: 'name_1' });
    await system.api.get(TemplatesRepository).onModuleInit();
    expect((await templates.indexes()).map((index) => index.name)).not.toContain('name_1');
    expect((await templates.findOne({ name: 'legacy' }))?.projectId).toBe('root');
    await root.post('/v1/templates', { name: 'legacy', body: 'new' }).expect(409);
    await as(a.admin).post('/v1/templates', { name: 'legacy', body: 'mine' }).expect(201);
    const sent = (await root.post('/v1/messages', { to: brMobile(1250), templateName: 'legacy', variables: { x: 1 }, sendAt: SOON() }).expect(202)).body.id;
    expect((await root.get(`/v1/messages/${sent}`).expect(200)).body.body).toBe('old 1');
  });

  it("never shows another project's audit entries; a project's own include its messages' status changes", async () => {
    const sent = (await as(a.sender).post('/v1/messages', { to: brMobile(1301), body: 'audited' }).expect(202)).body.id as string;
    await waitFor('delivered', async () => (await as(a.sender).get(`/v1/messages/${sent}`)).body.status === 'delivered');
    const ofA = (await as(a.admin).get(`/v1/audit?messageId=${sent}`).expect(200)).body.items as { action: string }[];
    expect(ofA.map((entry) => entry.action)).toEqual(expect.arrayContaining(['message.accepted', 'message.status_changed']));
    expect((await as(b.admin).get(`/v1/audit?messageId=${sent}`).expect(200)).body.items).toEqual([]);
    const seenByB = JSON.stringify((await as(b.admin).get('/v1/audit?limit=200').expect(200)).body.items);
    expect(seenByB).not.toContain(sent);
    expect(seenByB).not.toContain('team-a');
    expect((await root.get(`/v1/audit?messageId=${sent}`).expect(200)).body.items.length).toBe(ofA.length);
  });

  it("keeps a retried message's entries in its project (the retry's signed hint carries it)", async () => {
    const to = brMobile(1302);
    await deliveryKit(system).fault(to, '20429', 1);
    const sent = (await as(a.sender).post('/v1/messages', { to, body: 'retried' }).expect(202)).body.id as string;
    await waitFor('delivered after a retry', async () => (await as(a.sender).get(`/v1/messages/${sent}`)).body.status === 'delivered');
    const ofA = (await as(a.admin).get(`/v1/audit?messageId=${sent}`).expect(200)).body.items as { action: string }[];
    expect(ofA.map((entry) => entry.action)).toContain('message.retry_scheduled');
    expect((await root.get(`/v1/audit?messageId=${sent}`).expect(200)).body.items.length).toBe(ofA.length);
  });

  it("keeps dead letters to their project: no listing or replaying another's", async () => {
    const marker = `dead-${Date.now()}`;
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: 'not a phone', body: marker, projectId: a.id } });
    const letter = await waitFor('the dead letter', async () => ((await as(a.admin).get('/v1/dead-letters?limit=200').expect(200)).body.items as { id: string; content: string }[]).find((item) => item.content.includes(marker)));
    expect(JSON.stringify((await as(b.admin).get('/v1/dead-letters?limit=200').expect(200)).body)).not.toContain(marker);
    await as(b.admin).post(`/v1/dead-letters/${letter.id}/replay`).expect(404);
    expect((await root.get('/v1/dead-letters?limit=200').expect(200)).body.items.map((item: { id: string }) => item.id)).toContain(letter.id);
    expect((await root.get(`/v1/audit?action=command.dead_lettered&limit=200`).expect(200)).body.items.find((entry: { details: { deadLetterId: string } }) => entry.details.deadLetterId === letter.id)).toBeDefined();
  });

  it("files a stored message's dead letter under the message's project; only it (or root) replays it", async () => {
    const kit = deliveryKit(system);
    const to = brMobile(1501);
    await kit.fault(to, '20429', 0);
    const sent = (await as(a.sender).post('/v1/messages', { to, body: 'gives up' }).expect(202)).body.id as string;
    const letter = await waitFor('its dead letter', async () => ((await as(a.admin).get('/v1/dead-letters?limit=200').expect(200)).body.items as { id: string; messageId?: string }[]).find((item) => item.messageId === sent));
    await kit.clearFaults();
    expect(JSON.stringify((await as(b.admin).get('/v1/dead-letters?limit=200').expect(200)).body)).not.toContain(sent);
    await as(b.admin).post(`/v1/dead-letters/${letter.id}/replay`).expect(404);
    expect((await as(a.sender).get(`/v1/messages/${sent}`).expect(200)).body.status).toBe('failed');
    await as(a.admin).post(`/v1/dead-letters/${letter.id}/replay`).expect(200);
    await waitFor('delivered after the replay', async () => (await as(a.sender).get(`/v1/messages/${sent}`)).body.status === 'delivered');
  });

  it('reports on the caller\'s project only', async () => {
    const count = async (key: string) => (await as(key).get('/v1/reports/delivery').expect(200)).body.totals.messages as number;
    const before = { a: await count(a.sender), b: await count(b.sender), root: await count(TEST_API_KEY) };
    await as(b.sender).post('/v1/messages', { to: brMobile(1401), body: 'counted', sendAt: SOON() }).expect(202);
    expect(await count(b.sender)).toBe(before.b + 1);
    expect(await count(a.sender)).toBe(before.a);
    expect(await count(TEST_API_KEY)).toBe(before.root + 1);
  });
});
