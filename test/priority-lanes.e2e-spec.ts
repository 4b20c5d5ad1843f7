import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import type { Priority } from '../src/lanes/priority';
import { LaneScheduler, MAX_PASSED_OVER } from '../src/lanes/lane-scheduler';
import { SendPacer } from '../src/sms/send-pacer';
import { Broker, brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

const MPS = 10;
/** What the pacer reserves ahead per sender at this cap (300 ms of slots): all a high one may wait behind. */
const RESERVED_AHEAD = 3;
const LOW_BACKLOG = 80;
const HIGH_BURST = 40;

/**
 * Priority lanes (issue 14, item 1) on the real broker, store, Redis pace and sandbox: a bulk send's
 * `low` backlog queued under a tight cap (TWILIO_MAX_MPS=10, so it stays queued for seconds), `high`
 * messages sent into it. Order is read from the pacer's releases (the order sends were let go) and
 * from the sandbox (the order Twilio was called); time only where a stall can make it longer, not
 * shorter.
 */
describe('priority lanes', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;
  /** Every send the pacer let go, in order, with its lane. */
  const released: { lane: Priority; at: number }[] = [];
  /** Every turn to reserve a slot, in the order the lanes were served. */
  const turns: Priority[] = [];
  let seed = 14_100;

  beforeAll(async () => {
    system = await startSystem({
      worker: false,
      env: {
        TWILIO_MAX_MPS: String(MPS), REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `notifyx:test:${randomBytes(4).toString('hex')}:`,
        OUTBOX_RELAY_INTERVAL_MS: '200',
      },
    });
    kit = deliveryKit(system);
    broker = await Broker.connect();
    const wait = SendPacer.prototype.waitForSlot;
    jest.spyOn(SendPacer.prototype, 'waitForSlot').mockImplementation(function (this: SendPacer, from, prepare, priority) {
      return wait.call(this, from, prepare, priority).then((prepared) => {
        if (prepared !== null) released.push({ lane: priority ?? 'normal', at: performance.now() });
        return prepared;
      });
    });
    const turn = LaneScheduler.prototype.turn;
    jest.spyOn(LaneScheduler.prototype, 'turn').mockImplementation(function (this: LaneScheduler, priority) {
      return turn.call(this, priority).then((release) => {
        turns.push(priority);
        return release;
      });
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await system?.close();
    await broker?.close();
  });

  const next = () => brMobile((seed += 1));
  const post = (path: string, body: object) => system.http().post(path).set('x-api-key', TEST_API_KEY).send(body);
  const arrivalsOf = (body: string) => system.sandbox.messages().filter((message) => message.body === body)
    .map((message) => new Date(message.dateCreated).getTime()).sort((a, b) => a - b);

  it('refuses a priority that is not a lane with a 400 naming the field, on single and bulk sends', async () => {
    const single = await post('/v1/messages', { to: next(), body: 'x', priority: 'urgent' }).expect(400);
    expect(single.body.message).toMatch(/priority must be one of: high, normal, low/);
    const bulk = await post('/v1/messages/bulk', { body: 'x', recipients: [{ to: next() }], priority: 1 }).expect(400);
    expect(bulk.body.message).toMatch(/priority must be one of: high, normal, low/);
  });

  it('the preview shows the lane: normal for a single send, low for bulk, the given one otherwise', async () => {
    const single = (await post('/v1/messages/preview', { to: next(), body: 'x' }).expect(200)).body;
    expect(single.lane).toEqual({ priority: 'normal', queue: system.queue });
    const high = (await post('/v1/messages/preview', { to: next(), body: 'x', priority: 'high' }).expect(200)).body;
    expect(high.lane).toEqual({ priority: 'high', queue: `${system.queue}.high` });
    const bulk = (await post('/v1/messages/preview', { body: 'x', recipients: [{ to: next() }] }).expect(200)).body;
    expect(bulk.results[0].lane).toEqual({ priority: 'low', queue: `${system.queue}.low` });
  });

  it('the outbox relay publishes a command owed for a high message to the high lane', async () => {
    const sendAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const answer = (await post('/v1/messages', { to: next(), body: 'scheduled high', priority: 'high', sendAt }).expect(202)).body;
    const outbox = system.mongo.db(system.dbName).collection('outbox');
    expect(await outbox.findOne({ _id: new ObjectId(answer.id) })).toMatchObject({ priority: 'high' });
    // Its time has come (no worker runs yet: the command stays in its queue for us to read).
    await outbox.updateOne({ _id: new ObjectId(answer.id) }, { $set: { dueAt: new Date(Date.now() - 60_000) } });
    // Settled once the broker confirmed it; by then the API's client has declared every lane's queue.
    await waitFor('the relay to publish it', async () => (await outbox.countDocuments({ _id: new ObjectId(answer.id) })) === 0);
    const published = await broker.waitForMessage(`${system.queue}.high`, (text) => text.includes(answer.id));
    expect(JSON.parse(published.content.toString()).data).toMatchObject({ messageId: answer.id, priority: 'high' });
    await post(`/v1/messages/${answer.id}/cancel`, {});
  });

  it('a high message accepted behind a queued low backlog goes out next, within the pace', async () => {
    const lows = Array.from({ length: LOW_BACKLOG }, () => ({ to: next() }));
    const batch = (await post('/v1/messages/bulk', { body: 'low backlog', recipients: lows }).expect(202)).body;
    await batchWrittenOut(system, batch.batchId, LOW_BACKLOG);
    await waitFor('the backlog queued in the low lane', async () => (await broker.messageCount(`${system.queue}.low`)) === LOW_BACKLOG);

    const { createWorkerApp } = await import('../src/bootstrap');
    system.worker = await createWorkerApp();
    await system.worker.listen();
    await waitFor('the drain under way', async () => arrivalsOf('low backlog').length >= 5, 20000, 20);

    const high = (await post('/v1/messages', { to: next(), body: 'a one-time code', priority: 'high' }).expect(202)).body;
    // Its command is published by the time it is accepted (the answer waits for the commit point and the audit entry).
    const acceptedAt = Date.now();
    await kit.until(high.id, ['sent', 'delivered']);
    const [sentAt] = arrivalsOf('a one-time code');
    const lowArrivals = arrivalsOf('low backlog');
    const lowsBetween = lowArrivals.filter((at) => at >= acceptedAt && at <= sentAt).length;
    // Behind at most the slots already reserved when it came (and the one being sent), not the backlog.
    expect(lowsBetween).toBeLessThanOrEqual(RESERVED_AHEAD + 2);
    expect(lowArrivals.filter((at) => at <= sentAt).length).toBeLessThan(LOW_BACKLOG / 2);
    expect((await kit.message(high.id)).priority).toBe('high');
    const lowMessage = await system.mongo.db(system.dbName).collection('messages').findOne({ batchId: batch.batchId });
    expect(lowMessage?.priority).toBe('low');
  });

  it('low keeps draining while highs keep coming (slowed, never starved), and one cap holds across lanes', async () => {
    const from = turns.length;
    const answers = await Promise.all(Array.from({ length: HIGH_BURST }, () => post('/v1/messages', { to: next(), body: 'high burst', priority: 'high' })));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    await waitFor('every high sent', async () => arrivalsOf('high burst').length === HIGH_BURST, 30000);

    // The order the lanes were served in (sends go in that order unless a claim runs late).
    const during = turns.slice(from);
    const window = during.slice(during.indexOf('high'), during.lastIndexOf('high') + 1);
    // While highs waited, lows still got their share: never more than MAX_PASSED_OVER.low highs in a row.
    const runs = window.join(',').split(/,?(?:low|normal),?/).map((run) => (run ? run.split(',').length : 0));
    expect(Math.max(...runs)).toBeLessThanOrEqual(MAX_PASSED_OVER.low);
    expect(window.filter((lane) => lane === 'low').length).toBeGreaterThanOrEqual(Math.floor(HIGH_BURST / (MAX_PASSED_OVER.low + 1)) - 1);
    // ...and highs went first: most of the window is theirs.
    expect(window.filter((lane) => lane === 'high')).toHaveLength(HIGH_BURST);
    expect(window.length).toBeLessThan(HIGH_BURST * 1.5);

    await waitFor('the whole low backlog sent', async () => arrivalsOf('low backlog').length === LOW_BACKLOG, 30000);
    // One cap across lanes: no second of pacer releases, whichever lane, holds more than MPS (one
    // more allowed: a release is recorded after the admission's reply, which a stall can delay).
    const times = released.map((entry) => entry.at);
    const busiestSecond = Math.max(...times.map((at) => times.filter((other) => other >= at && other < at + 1000).length));
    expect(busiestSecond).toBeLessThanOrEqual(MPS + 1);
    // Stalls only lengthen: all these sends together took at least what the cap allows.
    const all = [...arrivalsOf('low backlog'), ...arrivalsOf('high burst'), ...arrivalsOf('a one-time code')].sort((a, b) => a - b);
    expect((all.at(-1)! - all[0]) / 1000).toBeGreaterThanOrEqual((all.length - MPS - 1) / MPS);
  });

  it('a producer command names its lane: high published to the send queue is stored high and sent', async () => {
    const to = next();
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to, body: 'producer high', priority: 'high' } });
    const stored = await waitFor('the producer message sent', async () => {
      const [message] = await kit.messagesTo(to);
      return message && ['sent', 'delivered'].includes(message.status) && message;
    });
    expect(stored.priority).toBe('high');
  });
});
