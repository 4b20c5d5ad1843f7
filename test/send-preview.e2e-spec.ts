import { ObjectId } from 'mongodb';
import { Broker, brMobile } from './support/delivery-kit';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { declareSendQueues } from './support/send-log';
import { waitFor } from './support/wait-for';

/** 21 plain words, then one pair of curly quotes: 3 UCS-2 segments as written, 1 GSM-7 segment smart-encoded. */
const CURLY = `${'Hello there, friend. '.repeat(7)}\u201cok\u201d`;

/**
 * Smart encoding (issue 14, item 4) and the side-effect-free preview (item 5), on the real store and
 * broker. No worker runs: every command the API publishes stays in the queue, so the queue's depth
 * shows whether a preview published anything.
 */
describe('smart encoding and preview', () => {
  let system: RunningSystem;
  let broker: Broker;
  let seed = 14_500;

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { ALLOWED_COUNTRIES: 'BR', RECIPIENT_HOURLY_LIMIT: '1', QUIET_HOURS_DEFAULT: '21:00-08:00' } });
    broker = await Broker.connect();
    await declareSendQueues(system);
  });
  afterAll(async () => {
    await system?.close();
    await broker?.close();
  });

  const next = () => brMobile((seed += 1));
  const post = (path: string, body: object) => system.http().post(path).set('x-api-key', TEST_API_KEY).send(body);
  const stored = (id: string) => system.mongo.db(system.dbName).collection('messages').findOne({ _id: new ObjectId(id) });

  it('smart-encodes when asked: the answer shows segments before and after, the stored (sent) text is the GSM-7 one', async () => {
    const to = next();
    const answer = (await post('/v1/messages', { to, body: CURLY, smartEncoding: true }).expect(202)).body;
    expect(answer).toMatchObject({ segments: 1, encoding: 'GSM-7', smartEncoding: { segmentsBefore: 3, encodingBefore: 'UCS-2', replaced: 2 } });
    expect((await stored(answer.id))?.body).toBe(CURLY.replace(/[\u201c\u201d]/g, '"'));

    const plain = (await post('/v1/messages', { to: next(), body: CURLY }).expect(202)).body;
    expect(plain).toMatchObject({ segments: 3, encoding: 'UCS-2' });
    expect(plain.smartEncoding).toBeUndefined();
    expect((await stored(plain.id))?.body).toBe(CURLY);
  });

  it("takes a template's smartEncoding default, and a bulk answer sums segments before and after", async () => {
    await post('/v1/templates', { name: 'curly.default', body: `{{name}}: ${CURLY}`, smartEncoding: true }).expect(201);
    const templated = (await post('/v1/messages', { to: next(), templateName: 'curly.default', variables: { name: 'Ana' } }).expect(202)).body;
    expect(templated).toMatchObject({ encoding: 'GSM-7', smartEncoding: { encodingBefore: 'UCS-2' } });
    const refused = (await post('/v1/messages', { to: next(), templateName: 'curly.default', variables: { name: 'Bo' }, smartEncoding: false }).expect(202)).body;
    expect(refused.encoding).toBe('UCS-2');

    const bulk = (await post('/v1/messages/bulk', { body: CURLY, smartEncoding: true, recipients: [{ to: next() }, { to: next() }] }).expect(202)).body;
    expect(bulk).toMatchObject({ accepted: 2, segments: { before: 6, after: 2 } });
    await batchWrittenOut(system, bulk.batchId, 2);
  });

  it('refuses a non-boolean smartEncoding with a 400 naming it', async () => {
    const answer = await post('/v1/messages', { to: next(), body: 'x', smartEncoding: 'yes' }).expect(400);
    expect(answer.body.message).toMatch(/smartEncoding must be true or false/);
  });

  /** Every collection's document count, and the queue's depth: what a preview must leave as it found. */
  async function snapshot(): Promise<Record<string, number>> {
    const db = system.mongo.db(system.dbName);
    const counts: Record<string, number> = {};
    for (const { name } of await db.listCollections().toArray()) counts[name] = await db.collection(name).countDocuments();
    counts['queue:sms'] = await broker.messageCount(system.queue);
    return counts;
  }

  it('previews single and bulk sends without storing, publishing, auditing or counting anything', async () => {
    // Settle what earlier tests left in flight (bulk parts, audit entries): two snapshots a moment apart agree.
    let before = await snapshot();
    await waitFor('the store to settle', async () => {
      const now = await snapshot();
      const settled = JSON.stringify(now) === JSON.stringify(before);
      before = now;
      return settled;
    }, 20_000, 300);
    const to = next();
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();

    const one = (await post('/v1/messages/preview', { to: to.slice(3), body: CURLY, smartEncoding: true, sendAt, validFor: 600, quietHours: false }).expect(200)).body;
    expect(one).toMatchObject({
      to, country: 'BR', numberType: 'MOBILE', encoding: 'GSM-7', segments: 1,
      smartEncoding: { segmentsBefore: 3, encodingBefore: 'UCS-2', replaced: 2 },
      policy: { verdict: 'allowed', checked: 'destination' }, sendAt,
    });
    expect(Date.parse(one.expiresAt) - Date.parse(sendAt)).toBe(600_000);

    const abroad = (await post('/v1/messages/preview', { to: '+14155550123', body: 'hi' }).expect(200)).body;
    expect(abroad).toMatchObject({ country: 'US', policy: { verdict: 'refused', code: 'country_not_allowed' } });

    const recipients = [{ to: next() }, { to: '123' }, { to: '+14155550124' }, ...Array.from({ length: 5 }, () => ({ to: next() }))];
    const many = (await system.http().post('/v1/messages/preview').query({ limit: 3 }).set('x-api-key', TEST_API_KEY)
      .send({ body: CURLY, recipients, smartEncoding: true }).expect(200)).body;
    expect(many).toMatchObject({ total: 8, accepted: 6, segments: { before: 18, after: 6 } });
    expect(many.rejected.map((rejection: { index: number }) => rejection.index)).toEqual([1, 2]);
    expect(many.results).toHaveLength(3);

    // RECIPIENT_HOURLY_LIMIT is 1: three previews to one number spent none of it.
    for (let i = 0; i < 3; i += 1) await post('/v1/messages/preview', { to, body: 'again' }).expect(200);
    const bad = await post('/v1/messages/preview', { to, body: 'x', validFor: 0 }).expect(400);
    expect(bad.body.message).toMatch(/validFor/);
    expect(await snapshot()).toEqual(before);

    // The real thing is seen: it stores and publishes, and spends the number's hourly allowance.
    await post('/v1/messages', { to, body: 'the real one', quietHours: false }).expect(202);
    await waitFor('its command in the queue', async () => (await broker.messageCount(system.queue)) === before['queue:sms'] + 1);
    await post('/v1/messages', { to, body: 'over the limit' }).expect(429);
  }, 90_000);

  describe('quiet hours in the recipient\'s zone (São Paulo, UTC-3, for these numbers)', () => {
    /** Tomorrow (UTC) at hh:mm UTC: far enough ahead for any sendAt. */
    const tomorrowAt = (hhmm: string) => {
      const day = new Date(Date.now() + 24 * 3_600_000).toISOString().slice(0, 10);
      return new Date(`${day}T${hhmm}:00.000Z`);
    };
    const send = async (body: object) => (await post('/v1/messages', { to: next(), body: 'quiet?', ...body }).expect(202)).body;

    it('moves a message inside the window to its end, at both edges, and leaves one outside alone', async () => {
      const window = { start: '22:00', end: '07:30' };
      // 02:30 local → 07:30 local (10:30Z); 22:00 local exactly → 07:30 the next morning.
      expect(await send({ sendAt: tomorrowAt('05:30'), quietHours: window })).toMatchObject({ status: 'scheduled', sendAt: tomorrowAt('10:30').toISOString() });
      const atStart = await send({ sendAt: tomorrowAt('01:00'), quietHours: window });
      expect(atStart.sendAt).toBe(tomorrowAt('10:30').toISOString());
      // 21:59 local and 07:30 local are outside: sent when asked.
      expect((await send({ sendAt: tomorrowAt('00:59'), quietHours: window })).sendAt).toBe(tomorrowAt('00:59').toISOString());
      expect((await send({ sendAt: tomorrowAt('10:30'), quietHours: window })).sendAt).toBe(tomorrowAt('10:30').toISOString());
    });

    it('applies QUIET_HOURS_DEFAULT unless the send says false, counts validFor from the deferred time, and stores the message scheduled', async () => {
      const deferred = await send({ sendAt: tomorrowAt('06:00'), validFor: 300 });
      expect(deferred.sendAt).toBe(tomorrowAt('11:00').toISOString()); // 08:00 local
      const doc = await stored(deferred.id);
      expect(doc).toMatchObject({ status: 'scheduled', sendAt: tomorrowAt('11:00'), expiresAt: new Date(tomorrowAt('11:00').getTime() + 300_000) });
      expect((await send({ sendAt: tomorrowAt('06:00'), quietHours: false })).sendAt).toBe(tomorrowAt('06:00').toISOString());
    });

    it('defers each bulk recipient on its own and refuses a window that ends after the expiresAt or is malformed', async () => {
      const bulk = (await post('/v1/messages/bulk', { body: 'night bulk', sendAt: tomorrowAt('05:00'), recipients: [{ to: next() }, { to: next() }] }).expect(202)).body;
      expect(bulk.deferred).toBe(2);
      await batchWrittenOut(system, bulk.batchId, 2);
      const docs = await system.mongo.db(system.dbName).collection('messages').find({ batchId: bulk.batchId }).toArray();
      expect(docs.map((doc) => doc.sendAt)).toEqual([tomorrowAt('11:00'), tomorrowAt('11:00')]);

      const tooLate = await post('/v1/messages', { to: next(), body: 'x', sendAt: tomorrowAt('05:00'), expiresAt: tomorrowAt('09:00') }).expect(400);
      expect(tooLate.body).toMatchObject({ code: 'invalid_quiet_hours' });
      const bad = await post('/v1/messages', { to: next(), body: 'x', quietHours: { start: '9pm', end: '08:00' } }).expect(400);
      expect(bad.body.message).toMatch(/quietHours.start must be HH:MM/);
      const empty = await post('/v1/messages', { to: next(), body: 'x', quietHours: { start: '08:00', end: '08:00' } }).expect(400);
      expect(empty.body.message).toMatch(/quietHours.start and quietHours.end must differ/);
    });

    it('shows the deferral in the preview', async () => {
      const preview = (await post('/v1/messages/preview', { to: next(), body: 'x', sendAt: tomorrowAt('05:00'), validFor: 600 }).expect(200)).body;
      expect(preview).toMatchObject({
        sendAt: tomorrowAt('11:00').toISOString(), validityPeriod: 600,
        quietHours: { window: { start: '21:00', end: '08:00' }, zones: ['America/Sao_Paulo'], deferredTo: tomorrowAt('11:00').toISOString() },
      });
    });
  });
});
