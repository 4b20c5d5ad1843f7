import { brMobile, Broker } from './support/delivery-kit';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { asKey, createProject } from './support/projects';
import { waitFor } from './support/wait-for';

const SOON = () => new Date(Date.now() + 3_600_000).toISOString();
const PORTUGAL = '+351912345678';

/** Per-project limits, producers naming a project, and the shared blocklist, on the real API, worker and FerretDB. */
describe('projects: limits, producers and opt-outs', () => {
  let system: RunningSystem;
  let broker: Broker;
  const as = (key: string) => asKey(() => system, key);
  const root = as(TEST_API_KEY);
  const send = (key: string, to: string, body = 'hello') => as(key).post('/v1/messages', { to, body, sendAt: SOON() });

  /** A project with the given limits and one key holding every scope. */
  async function project(name: string, limits: object = {}): Promise<{ id: string; key: string }> {
    const { id, admin } = await createProject(() => system, name, limits);
    return { id, key: admin };
  }

  beforeAll(async () => {
    // Globally: BR and PT, 3 messages per number and hour, no daily cap.
    system = await startSystem({ env: { ALLOWED_COUNTRIES: 'BR,PT', RECIPIENT_HOURLY_LIMIT: '3', DAILY_SEGMENT_CAP: '0' } });
    broker = await Broker.connect();
  });
  afterAll(async () => {
    await broker?.close();
    await system?.close();
  });

  it("caps a project's daily segments on its own counter, leaving other projects and root alone", async () => {
    const capped = await project('capped', { dailySegmentCap: 2 });
    const other = await project('uncapped');
    await send(capped.key, brMobile(2001)).expect(202);
    await send(capped.key, brMobile(2002)).expect(202);
    const refused = await send(capped.key, brMobile(2003)).expect(429);
    expect(refused.body).toMatchObject({ code: 'daily_segment_cap_reached' });
    for (let i = 0; i < 3; i += 1) await send(other.key, brMobile(2010 + i)).expect(202);
    await send(TEST_API_KEY, brMobile(2020)).expect(202);

    // Raised, the cap lets the project go on at once (its counter stays); null gives it DAILY_SEGMENT_CAP (none).
    const raised = await root.patch(`/v1/projects/${capped.id}`, { dailySegmentCap: 3 }).expect(200);
    expect(raised.body).toMatchObject({ id: capped.id, dailySegmentCap: 3, allowedCountries: null });
    await send(capped.key, brMobile(2003)).expect(202);
    await send(capped.key, brMobile(2004)).expect(429);
    expect((await root.patch(`/v1/projects/${capped.id}`, { dailySegmentCap: null }).expect(200)).body.dailySegmentCap).toBeNull();
    await send(capped.key, brMobile(2004)).expect(202);
    await as(capped.key).patch(`/v1/projects/${capped.id}`, { dailySegmentCap: 100 }).expect(403);
    await root.patch(`/v1/projects/${'f'.repeat(24)}`, { dailySegmentCap: 1 }).expect(404);
  });

  it("applies a project's allowed countries instead of ALLOWED_COUNTRIES", async () => {
    const unknown = await root.post('/v1/projects', { name: 'nowhere', allowedCountries: ['XX'] }).expect(400);
    expect(unknown.body.message).toMatch(/allowedCountries/);
    const portugalOnly = await project('pt-only', { allowedCountries: ['pt'] });
    expect((await send(portugalOnly.key, brMobile(2101)).expect(422)).body).toMatchObject({ code: 'country_not_allowed', country: 'BR' });
    await send(portugalOnly.key, PORTUGAL).expect(202);
    const anywhere = await project('anywhere', { allowedCountries: ['*'] });
    await send(anywhere.key, '+33612345678').expect(202);
    expect((await send(TEST_API_KEY, '+33612345678').expect(422)).body.code).toBe('country_not_allowed');
  });

  it("counts messages per recipient and hour within each project, with the project's own limit", async () => {
    const strict = await project('strict', { recipientHourlyLimit: 1 });
    const loose = await project('loose');
    const number = brMobile(2201);
    await send(strict.key, number).expect(202);
    expect((await send(strict.key, number).expect(429)).body.code).toBe('recipient_limit_reached');
    // Another project's count of the same number is its own (the global limit, 3).
    for (let i = 0; i < 3; i += 1) await send(loose.key, number).expect(202);
    await send(loose.key, number).expect(429);
    await send(TEST_API_KEY, number).expect(202);
  });

  it("limits a project's keys to its requestLimit; root keys keep the global budget", async () => {
    const slow = await project('slow', { requestLimit: 3 });
    for (let i = 0; i < 3; i += 1) await as(slow.key).get('/v1/messages').expect(200);
    const limited = await as(slow.key).get('/v1/messages').expect(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers['ratelimit-limit']).toBe('3');
    for (let i = 0; i < 5; i += 1) await root.get('/v1/messages').expect(200);
  });

  it('stores a producer\'s command in the project it names; an unknown or malformed one is parked with the reason', async () => {
    const owner = await project('producer-owner');
    const stranger = await project('producer-stranger');
    const producerId = `p-${Date.now()}`;
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: brMobile(2301), body: 'from a producer', producerId, projectId: owner.id } });
    const stored = await waitFor('the producer message', async () => (await system.mongo.db(system.dbName).collection('messages').findOne({ producerId })) ?? undefined);
    expect(stored.projectId).toBe(owner.id);
    await as(owner.key).get(`/v1/messages/${stored._id.toHexString()}`).expect(200);
    await as(stranger.key).get(`/v1/messages/${stored._id.toHexString()}`).expect(404);

    const unknown = 'e'.repeat(24);
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: brMobile(2302), body: 'unknown project', projectId: unknown } });
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: brMobile(2303), body: 'malformed project', projectId: 'team a' } });
    const letters = async () => (await root.get('/v1/dead-letters?limit=200').expect(200)).body.items as { content: string; reason: string }[];
    const parked = await waitFor('both parked', async () => {
      const all = await letters();
      const found = ['unknown project', 'malformed project'].map((text) => all.find((letter) => letter.content.includes(text)));
      return found.every(Boolean) && found;
    });
    expect(parked[0]?.reason).toContain(`project ${unknown} does not exist`);
    expect(parked[1]?.reason).toMatch(/projectId/);
  });

  it("lists a project's own opt-outs; a STOP binds everyone; only root removes what a project did not list", async () => {
    const a = await project('optout-a');
    const b = await project('optout-b');
    const messaged = brMobile(2401);
    const stranger = brMobile(2402);
    await send(a.key, messaged).expect(202);
    await root.post('/v1/opt-outs', { phone: messaged, reason: 'STOP by phone' }).expect(201);
    await root.post('/v1/opt-outs', { phone: stranger, reason: 'nobody here texted it' }).expect(201);
    const listed = async (key: string) => ((await as(key).get('/v1/opt-outs?limit=100').expect(200)).body.items as { phone: string }[]).map((item) => item.phone);
    expect(await listed(a.key)).toEqual([messaged]);
    // Root's words stay root's: a project sees that and when the number was listed, not why or by whom.
    const seenByA = (await as(a.key).get(`/v1/opt-outs?phone=${encodeURIComponent(messaged)}`).expect(200)).body.items[0];
    expect(seenByA).toMatchObject({ phone: messaged, source: 'manual', reason: 'listed by hand outside this project', createdBy: 'another project' });
    expect((await root.get(`/v1/opt-outs?phone=${encodeURIComponent(messaged)}`).expect(200)).body.items[0].reason).toBe('STOP by phone');
    expect(await listed(b.key)).toEqual([]);
    expect(await listed(TEST_API_KEY)).toEqual(expect.arrayContaining([messaged, stranger]));
    // Binding across projects: B's message to A's opted-out recipient is blocked, not sent.
    const blocked = (await as(b.key).post('/v1/messages', { to: messaged, body: 'blocked' }).expect(202)).body.id as string;
    await waitFor('blocked', async () => (await as(b.key).get(`/v1/messages/${blocked}`)).body.status === 'blocked');

    expect((await as(b.key).delete(`/v1/opt-outs/${encodeURIComponent(messaged)}`).expect(403)).body.code).toBe('opt_out_not_yours');
    const ownNumber = brMobile(2403);
    await as(b.key).post('/v1/opt-outs', { phone: ownNumber, reason: 'asked by phone' }).expect(201);
    expect(await listed(b.key)).toEqual(expect.arrayContaining([ownNumber, messaged]));
    await as(a.key).delete(`/v1/opt-outs/${encodeURIComponent(ownNumber)}`).expect(403);
    await as(b.key).delete(`/v1/opt-outs/${encodeURIComponent(ownNumber)}`).expect(204);
    await root.delete(`/v1/opt-outs/${encodeURIComponent(messaged)}`).expect(204);
  });
});
