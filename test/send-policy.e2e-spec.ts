import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../src/config/app-config';
import { UsageCounters } from '../src/policy/usage-counters';
import { UsageLedger } from '../src/policy/usage-ledger';
import { Broker, brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const HOURLY_LIMIT = 3;
const DAILY_SEGMENTS = 16;
/** 4 GSM-7 segments (153 characters each once concatenated). */
const FOUR_SEGMENTS = 'x'.repeat(153 * 3 + 10);
const TWO_SEGMENTS = 'y'.repeat(200);

/**
 * SMS-pumping and cost defences on the real API, worker and store, with the defaults for where a
 * message may go (DEFAULT_COUNTRY BR only; mobile numbers only) and small limits. The counters
 * here live in the store (no REDIS_URL); the Redis counter is checked on its own at the end.
 * The tests share one day's segment budget, so they run in order and say what they spend.
 */
describe('send policy', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;

  beforeAll(async () => {
    system = await startSystem({
      env: {
        ALLOWED_COUNTRIES: '', ALLOWED_NUMBER_TYPES: '', // '' is unset: the defaults
        RECIPIENT_HOURLY_LIMIT: String(HOURLY_LIMIT), DAILY_SEGMENT_CAP: String(DAILY_SEGMENTS),
      },
    });
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterAll(async () => {
    await broker?.close();
    await system?.close();
  });

  const bulk = (recipients: { to: string }[], body: string) =>
    system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body, recipients });
  const storedFor = async (to: string) => (await kit.messagesTo(to)).length;
  const refusals = async (code: string) => (await kit.audit({ action: 'message.refused' })).filter((entry) => entry.details?.code === code);

  it('refuses countries outside ALLOWED_COUNTRIES (default: DEFAULT_COUNTRY), stores nothing, audits the refusal', async () => {
    for (const to of ['+33612345678', '+14155552671', '+447400123456']) {
      const response = await kit.post({ to, body: 'abroad' });
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ statusCode: 422, code: 'country_not_allowed' });
      expect(await storedFor(to)).toBe(0);
    }
    const audited = await refusals('country_not_allowed');
    expect(audited).toHaveLength(3);
    expect(audited[0]).toMatchObject({ actor: expect.stringMatching(/^apikey:/), details: { to: expect.stringContaining('****') } });
  });

  it('refuses premium-rate, toll-free and fixed-line numbers; national input is read in DEFAULT_COUNTRY first', async () => {
    for (const [to, type] of [['+559003001234', 'PREMIUM_RATE'], ['08001234567', 'TOLL_FREE'], ['(11) 3000-1234', 'FIXED_LINE']]) {
      const response = await kit.post({ to, body: 'costly' });
      expect(response.status).toBe(422);
      expect(response.body).toMatchObject({ code: 'number_type_not_allowed', numberType: type });
    }
    expect(await storedFor('+551130001234')).toBe(0);
    expect(await refusals('number_type_not_allowed')).toHaveLength(3);
  });

  it(`accepts ${HOURLY_LIMIT} messages to one number in an hour, then answers 429 recipient_limit_reached (4 segments spent)`, async () => {
    const to = brMobile(40001);
    for (let i = 0; i < HOURLY_LIMIT; i += 1) expect((await kit.post({ to, body: `hello ${i}` })).status).toBe(202);
    const refused = await kit.post({ to, body: 'one too many' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'recipient_limit_reached', limit: HOURLY_LIMIT, retryAfterSeconds: expect.any(Number) });
    expect(refused.body.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await storedFor(to)).toBe(HOURLY_LIMIT);
    // Another number has its own budget.
    expect((await kit.post({ to: brMobile(40002), body: 'hi' })).status).toBe(202);
  });

  it('counts racing requests exactly: of 8 at once, 3 are accepted (3 more segments, 7 in all)', async () => {
    const to = brMobile(40003);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => kit.post({ to, body: `race ${i}` })));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429, 429, 429]);
    expect(await storedFor(to)).toBe(HOURLY_LIMIT);
  });

  it('applies the same rules to each recipient of a bulk send: refused ones rejected by index, audited (4 more segments, 11 in all)', async () => {
    const repeated = brMobile(40006);
    const recipients = ['+33612345680', '+559003001235', repeated, repeated, repeated, repeated, brMobile(40007), '12345'].map((to) => ({ to }));
    const response = await bulk(recipients, 'bulk under policy');
    expect(response.body.accepted).toBe(4);
    expect(response.body.rejected).toEqual([
      { index: 0, reason: expect.stringMatching(/^sending to FR is not allowed/) },
      { index: 1, reason: expect.stringMatching(/PREMIUM_RATE/) },
      { index: 5, reason: expect.stringMatching(/already got 3 messages this hour/) },
      { index: 7, reason: expect.any(String) },
    ]);
    // The accepted four are written out as messages right after the answer.
    await batchWrittenOut(system, response.body.batchId, 4);
    expect(await storedFor(repeated)).toBe(3);
    expect(await storedFor('+33612345680')).toBe(0);
    expect(await storedFor('+559003001235')).toBe(0);
    const audited = (await kit.audit({ action: 'message.refused' })).filter((entry) => entry.details?.index !== undefined);
    expect(audited.map((entry) => [entry.details?.index, entry.details?.code]).sort()).toEqual([
      [0, 'country_not_allowed'], [1, 'number_type_not_allowed'], [5, 'recipient_limit_reached'],
    ]);
    // The repeated number's hour is spent: a single send to it is refused too.
    expect((await kit.post({ to: repeated, body: 'after the bulk' })).status).toBe(429);
  });

  it(`caps the segments of a day at DAILY_SEGMENT_CAP (${DAILY_SEGMENTS}), and a refusal spends no recipient budget`, async () => {
    const to = brMobile(40004);
    const four = await kit.post({ to, body: FOUR_SEGMENTS });
    expect(four.body.segments).toBe(4); // 15 spent
    const over = await kit.post({ to: brMobile(40005), body: TWO_SEGMENTS });
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ code: 'daily_segment_cap_reached', cap: DAILY_SEGMENTS });
    expect(await storedFor(brMobile(40005))).toBe(0);
    expect((await kit.post({ to: brMobile(40005), body: 'fits' })).status).toBe(202); // 16: the cap
    expect((await kit.post({ to, body: 'no more today' })).body).toMatchObject({ code: 'daily_segment_cap_reached' });
    expect(await refusals('daily_segment_cap_reached')).toHaveLength(2);
    // brMobile(40005): refused once (its hour's count given back), then accepted once.
    const [latest] = await system.mongo.db(system.dbName).collection('usage_ledger')
      .find({ counter: { $regex: `^recipient:\\${brMobile(40005)}:` } }).sort({ seq: -1 }).limit(1).toArray();
    expect(latest).toMatchObject({ total: 1 });
  });

  it('refuses a whole bulk send the day cannot carry (429), stores nothing and gives back its recipients\' counts', async () => {
    const recipients = [brMobile(40008), brMobile(40009)].map((to) => ({ to }));
    const response = await bulk(recipients, 'over the cap');
    expect(response.status).toBe(429);
    expect(response.body).toMatchObject({ code: 'daily_segment_cap_reached', cap: DAILY_SEGMENTS });
    expect(await storedFor(brMobile(40008))).toBe(0);
    expect(await refusals('daily_segment_cap_reached')).toHaveLength(3);
    const [latest] = await system.mongo.db(system.dbName).collection('usage_ledger')
      .find({ counter: { $regex: `^recipient:\\${brMobile(40008)}:` } }).sort({ seq: -1 }).limit(1).toArray();
    expect(latest).toMatchObject({ total: 0 });
  });

  it("ends a producer's refused command `blocked` with the reason, audited, and never sends it", async () => {
    const abroad = '+33612345679';
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: abroad, body: 'from a producer', producerId: 'policy-1' } });
    const [blocked] = await waitFor('the producer message to be blocked', async () => {
      const found = await kit.messagesTo(abroad);
      return found.length === 1 && found[0].status === 'blocked' && found;
    });
    expect(blocked.history.at(-1)?.detail).toMatch(/^country_not_allowed: /);
    const audited = await kit.audit({ messageId: blocked.id, action: 'message.blocked' });
    expect(audited).toEqual([expect.objectContaining({ actor: 'producer', details: { reason: expect.stringMatching(/^country_not_allowed/) } })]);
    expect(system.sandbox.sendsTo(abroad)).toBe(0);
  });

  it('the ledger behind the counters stays exact under 30 racing writers, in messages and in segments', async () => {
    const ledger = system.api.get(UsageLedger, { strict: false });
    const expiresAt = new Date(Date.now() + 60_000);
    const counter = `test:${randomBytes(4).toString('hex')}`;
    const taken = await Promise.all(Array.from({ length: 30 }, () => ledger.add(counter, 2, 21, expiresAt)));
    expect(taken.filter(Boolean)).toHaveLength(10);
    expect(await ledger.add(counter, 1, 21, expiresAt)).toBe(true);
    expect(await ledger.add(counter, 1, 21, expiresAt)).toBe(false);
  });

  it('the ledger adds many counters in one go, each exactly, even when another writer moves one meanwhile', async () => {
    const ledger = system.api.get(UsageLedger, { strict: false });
    const expiresAt = new Date(Date.now() + 60_000);
    const [fresh, nearFull, contended] = ['fresh', 'near', 'contended'].map((name) => `test:${name}:${randomBytes(4).toString('hex')}`);
    await ledger.add(nearFull, 4, 5, expiresAt);
    const steps = [{ counter: fresh, amount: 3, limit: 5, expiresAt }, { counter: nearFull, amount: 2, limit: 5, expiresAt }, { counter: contended, amount: 1, limit: 5, expiresAt }];
    const [many] = await Promise.all([ledger.addMany(steps), ...Array.from({ length: 4 }, () => ledger.add(contended, 1, 5, expiresAt))]);
    expect(many).toEqual([true, false, true]);
    expect(await ledger.add(fresh, 3, 5, expiresAt)).toBe(false);
    expect(await ledger.add(fresh, 2, 5, expiresAt)).toBe(true);
    expect(await ledger.add(nearFull, 1, 5, expiresAt)).toBe(true);
    expect(await ledger.add(contended, 1, 5, expiresAt)).toBe(false); // 4 + 1 already: the fifth
  });

  it('with REDIS_URL the counters are one Redis key per window, exact under racing writers', async () => {
    const config = { redis: { url: 'redis://127.0.0.1:6379', keyPrefix: `notifyx:test:${randomBytes(4).toString('hex')}:` } } as AppConfig;
    const unusedLedger = { add: () => Promise.reject(new Error('the ledger must not be used while Redis is up')) } as unknown as UsageLedger;
    const counters = new UsageCounters(config, unusedLedger);
    await counters.onModuleInit();
    try {
      const end = new Date(Date.now() + 60_000);
      const taken = await Promise.all(Array.from({ length: 30 }, () => counters.add('recipient:+5511900000000:x', 1, 7, end)));
      expect(taken.filter(Boolean)).toHaveLength(7);
      await counters.add('recipient:+5511900000000:x', -1, 7, end);
      expect(await counters.add('recipient:+5511900000000:x', 1, 7, end)).toBe(true);
      const many = await counters.addMany([
        { counter: 'recipient:+5511900000000:x', amount: 1, limit: 7, expiresAt: end },
        { counter: 'recipient:+5511900000001:x', amount: 7, limit: 7, expiresAt: end },
      ]);
      expect(many).toEqual([false, true]);
    } finally {
      counters.onModuleDestroy();
    }
  });
});
