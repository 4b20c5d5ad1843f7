import { describeTwilioError } from '../src/sms/twilio-errors';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

interface Group {
  key: string;
  messages: number;
  delivered: number;
  failed: number;
  undelivered: number;
  deliveryRate: number | null;
  segmentsSent: number;
}

const FINAL = ['delivered', 'undelivered', 'failed', 'blocked'];
const LONG_BODY = 'a'.repeat(200); // GSM-7, two segments

/** What is sent: recipient, body, and how it must end. */
const MIX = [
  { to: '+5511987654321', body: 'report 1', status: 'delivered', segments: 1 },
  { to: '+5521987654321', body: LONG_BODY, status: 'delivered', segments: 2 },
  { to: '+5511987650002', body: 'report 3', status: 'delivered', segments: 1 },
  { to: '+4915112345678', body: 'report 4', status: 'delivered', segments: 1 },
  { to: '+447400123456', body: LONG_BODY, status: 'undelivered', segments: 2, errorCode: 30003 },
  { to: '+15005550001', body: 'report 6', status: 'failed', segments: 1, errorCode: 21211 },
  { to: '+15005550004', body: 'report 7', status: 'failed', segments: 1, errorCode: 21610 },
];

describe('GET /v1/reports/delivery (real API, worker, FerretDB, sandbox)', () => {
  let system: RunningSystem;
  const report = (query: Record<string, string> = {}, key = TEST_API_KEY) =>
    system.http().get('/v1/reports/delivery').query(query).set('x-api-key', key);
  const statusOf = async (id: string) =>
    (await system.http().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY).expect(200)).body as { status: string };
  const sendAndSettle = async (to: string, body: string): Promise<string> => {
    const { id } = (await system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).send({ to, body }).expect(202)).body;
    return waitFor(`${to} final`, async () => {
      const { status } = await statusOf(id);
      return FINAL.includes(status) && status;
    });
  };
  const byKey = (groups: Group[]) => Object.fromEntries(groups.map(({ key, ...rest }) => [key, rest]));

  beforeAll(async () => {
    system = await startSystem();
    await system.sandbox.control('POST', '/__sandbox/faults', { to: '+447400123456', kind: 'undelivered', errorCode: 30003 });
    const ended = await Promise.all(MIX.map(({ to, body }) => sendAndSettle(to, body)));
    expect(ended).toEqual(MIX.map(({ status }) => status));
    // Twilio's 21610 put the number on the blocklist, so this one never reaches Twilio.
    expect(await sendAndSettle('+15005550004', 'report 8')).toBe('blocked');
  });
  afterAll(async () => {
    await system?.close();
  });

  it('adds up counts, segments, the delivery rate, the median and failure reasons with descriptions', async () => {
    const { body } = await report().expect(200);
    expect(body.groupBy).toBe('day');
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(7 * 86_400_000);
    expect(body.totals).toEqual({
      messages: 8, delivered: 4, undelivered: 1, failed: 2, blocked: 1, canceled: 0, expired: 0, pending: 0,
      // sent, delivered and undelivered only: 1 + 2 + 1 + 1 delivered, 2 undelivered.
      segmentsSent: 7,
      deliveryRate: Math.round((4 / 7) * 10_000) / 10_000,
      medianAcceptToDeliveredMs: expect.any(Number),
      medianSampleSize: 4,
    });
    expect(body.totals.medianAcceptToDeliveredMs).toBeGreaterThan(0);
    expect(body.totals.medianAcceptToDeliveredMs).toBeLessThan(20_000);
    expect(body.failureReasons).toEqual([21211, 21610, 30003].map((errorCode) => ({
      errorCode, count: 1, title: describeTwilioError(errorCode).title, description: describeTwilioError(errorCode).description,
    })));
  });

  it('groups by UTC day, listing every day of the range', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const { body } = await report({ from: today, to: today, groupBy: 'day' }).expect(200);
    expect(body.from).toBe(`${today}T00:00:00.000Z`);
    expect(body.groups).toEqual([{ key: today, messages: 8, delivered: 4, failed: 2, undelivered: 1, deliveryRate: 0.5714, segmentsSent: 7 }]);

    const week = (await report().expect(200)).body;
    expect(week.groups.length).toBeGreaterThanOrEqual(7);
    expect(week.groups.filter((group: Group) => group.messages > 0).map((group: Group) => group.key)).toEqual([today]);
    const keys = week.groups.map((group: Group) => group.key);
    expect(keys).toEqual([...keys].sort());
  });

  it('groups by status', async () => {
    const { body } = await report({ groupBy: 'status' }).expect(200);
    expect(byKey(body.groups)).toEqual({
      delivered: { messages: 4, delivered: 4, failed: 0, undelivered: 0, deliveryRate: 1, segmentsSent: 5 },
      failed: { messages: 2, delivered: 0, failed: 2, undelivered: 0, deliveryRate: 0, segmentsSent: 0 },
      undelivered: { messages: 1, delivered: 0, failed: 0, undelivered: 1, deliveryRate: 0, segmentsSent: 2 },
      blocked: { messages: 1, delivered: 0, failed: 0, undelivered: 0, deliveryRate: null, segmentsSent: 0 },
    });
    expect(body.groups[0].key).toBe('delivered');
  });

  it('groups by error code of failures, the rest under "none"', async () => {
    const { body } = await report({ groupBy: 'errorCode' }).expect(200);
    expect(byKey(body.groups)).toEqual({
      none: { messages: 5, delivered: 4, failed: 0, undelivered: 0, deliveryRate: 1, segmentsSent: 5 },
      21211: { messages: 1, delivered: 0, failed: 1, undelivered: 0, deliveryRate: 0, segmentsSent: 0 },
      21610: { messages: 1, delivered: 0, failed: 1, undelivered: 0, deliveryRate: 0, segmentsSent: 0 },
      30003: { messages: 1, delivered: 0, failed: 0, undelivered: 1, deliveryRate: 0, segmentsSent: 2 },
    });
  });

  it('groups by the recipient\'s country', async () => {
    const { body } = await report({ groupBy: 'country' }).expect(200);
    expect(byKey(body.groups)).toEqual({
      BR: { messages: 3, delivered: 3, failed: 0, undelivered: 0, deliveryRate: 1, segmentsSent: 4 },
      US: { messages: 3, delivered: 0, failed: 2, undelivered: 0, deliveryRate: 0, segmentsSent: 0 },
      DE: { messages: 1, delivered: 1, failed: 0, undelivered: 0, deliveryRate: 1, segmentsSent: 1 },
      GB: { messages: 1, delivered: 0, failed: 0, undelivered: 1, deliveryRate: 0, segmentsSent: 2 },
    });
    expect(body.totals.messages).toBe(8);
  });

  it('answers an empty range with zeros and nulls', async () => {
    const { body } = await report({ from: '2020-01-01', to: '2020-01-31', groupBy: 'day' }).expect(200);
    expect(body).toMatchObject({
      from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z',
      totals: { messages: 0, deliveryRate: null, medianAcceptToDeliveredMs: null, medianSampleSize: 0, segmentsSent: 0 },
      failureReasons: [],
    });
    expect(body.groups).toHaveLength(31);
    expect(body.groups[30]).toEqual({ key: '2020-01-31', messages: 0, delivered: 0, failed: 0, undelivered: 0, deliveryRate: null, segmentsSent: 0 });
  });

  it.each([
    [{ from: 'yesterday' }, 'validation_failed', /from must be an ISO 8601 date/],
    [{ to: '2025-01-31T10:00:00' }, 'validation_failed', /to must be an ISO 8601 date/],
    [{ groupBy: 'week' }, 'validation_failed', /groupBy must be one of: day, status, errorCode, country/],
    [{ limit: '5' }, 'validation_failed', /property limit should not exist/],
    [{ from: '2025-02-30' }, 'invalid_report_range', /not a real date/],
    [{ from: '2025-03-01', to: '2025-02-01' }, 'invalid_report_range', /must be before/],
    [{ from: '2025-01-01', to: '2025-04-04' }, 'invalid_report_range', /at most 93 days/],
  ])('answers 400 JSON to %j', async (query, code, message) => {
    const { body } = await report(query as Record<string, string>).expect(400);
    expect(body).toMatchObject({ statusCode: 400, code, message: expect.stringMatching(message), requestId: expect.any(String) });
  });

  it('needs an API key with messages:read', async () => {
    await system.http().get('/v1/reports/delivery').expect(401);
    const sender = (await system.http().post('/v1/api-keys').set('x-api-key', TEST_API_KEY)
      .send({ name: 'sender-only', scopes: ['messages:send'] }).expect(201)).body;
    const reader = (await system.http().post('/v1/api-keys').set('x-api-key', TEST_API_KEY)
      .send({ name: 'reader', scopes: ['messages:read'] }).expect(201)).body;
    await report({}, sender.key).expect(403);
    await report({}, reader.key).expect(200);
  });

  it('is documented in Swagger', async () => {
    const { body } = await system.http().get('/docs-json').expect(200);
    const operation = body.paths['/v1/reports/delivery'].get;
    expect(operation.security).toEqual([{ 'api-key': [] }]);
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['from', 'groupBy', 'to']);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '503']));
  });
});
