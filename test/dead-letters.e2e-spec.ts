import { Broker, brMobile, deliveryKit, DeliveryKit, DeadLetterView, statusesOf } from './support/delivery-kit';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem } from './support/system';
import { TcpProxy } from './support/tcp-proxy';
import { waitFor } from './support/wait-for';

const MAX_ATTEMPTS = 3;

/** GET /v1/dead-letters and POST /v1/dead-letters/:id/replay, on the real queue. */
describe('dead-letter view and replay', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;
  /** The app reaches RabbitMQ through it; the test's own Broker goes direct. */
  let rabbit: TcpProxy;

  beforeAll(async () => {
    rabbit = await new TcpProxy('127.0.0.1', 5672).start();
    system = await startSystem({
      env: { SMS_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SMS_RETRY_BASE_MS: '50', RABBITMQ_URL: rabbit.route(testServiceUrls().rabbitmqUrl) },
    });
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterEach(async () => {
    await kit?.clearFaults();
  });
  afterAll(async () => {
    rabbit?.restore();
    await system?.close();
    await rabbit?.close();
    await broker?.close();
  });

  const letterWith = (text: string, query: Record<string, string | number | boolean> = {}): Promise<DeadLetterView> =>
    waitFor(`a dead letter containing ${text}`, async () =>
      (await kit.deadLetters({ limit: 200, ...query })).items.find((letter) => letter.content.includes(text)));

  /** A message that ran out of attempts on 20429, and its dead letter. */
  async function exhausted(to: string, body: string): Promise<{ id: string; letter: DeadLetterView }> {
    await kit.fault(to, '20429', 0);
    const { id } = (await kit.post({ to, body }).expect(202)).body as { id: string };
    await kit.until(id, ['failed']);
    return { id, letter: await letterWith(id) };
  }

  it('replays an exhausted message once its cause is fixed: failed → queued → … → delivered, then refuses a second replay', async () => {
    const to = brMobile(30001);
    const { id, letter } = await exhausted(to, 'parked, then replayed');
    expect(letter.reason).toMatch(/gave up after 3 attempts: 20429/);
    expect(letter.replayedAt).toBeUndefined();
    await kit.clearFaults();

    const started = Date.now();
    const replayed = await kit.replay(letter.id).expect(200);
    expect(replayed.body).toMatchObject({ id: letter.id, reason: letter.reason, content: letter.content, replayedAt: expect.any(String) });
    expect(replayed.body.headers).toBeUndefined();

    const delivered = await kit.until(id, ['delivered']);
    const elapsed = Date.now() - started;
    expect(statusesOf(delivered)).toEqual([
      'queued', 'sending', 'queued', 'sending', 'queued', 'sending', 'failed', 'queued', 'sending', 'sent', 'delivered',
    ]);
    expect(delivered.history[7].detail).toMatch(/replayed from the dead-letter queue/);
    expect(delivered.attempts).toBe(1);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect(await kit.audit({ messageId: id, action: 'dead_letter.replayed' })).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^apikey:/), details: { deadLetterId: letter.id } }),
    ]);
    expect(await kit.audit({ messageId: id, action: 'message.replayed' })).toHaveLength(1);

    const again = await kit.replay(letter.id).expect(409);
    expect(again.body).toMatchObject({ statusCode: 409, code: 'already_replayed' });
    expect(system.sandbox.sendsTo(to)).toBe(1);
    process.stdout.write(`dead letters: replay of an exhausted message -> delivered ${elapsed} ms after the replay call, ${
      system.sandbox.sendsTo(to)} send(s) at Twilio\n`);
  });

  it('lets exactly one of two concurrent replays through', async () => {
    const to = brMobile(30002);
    const { id, letter } = await exhausted(to, 'two operators replay at once');
    await kit.clearFaults();

    const answers = await Promise.all([kit.replay(letter.id), kit.replay(letter.id)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    await kit.until(id, ['delivered']);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('parks a replayed message again when its cause is not fixed, with a new dead letter', async () => {
    const to = brMobile(30003);
    const { id, letter } = await exhausted(to, 'replayed too early');
    await kit.replay(letter.id).expect(200);

    const second = await waitFor('a second dead letter', async () =>
      (await kit.deadLetters({ limit: 200 })).items.find((other) => other.content.includes(id) && other.id !== letter.id));
    expect(second.replayedAt).toBeUndefined();
    const failed = await kit.until(id, ['failed']);
    expect(failed.attempts).toBe(MAX_ATTEMPTS);
    expect(system.sandbox.sendsTo(to)).toBe(0);
  });

  it('refuses to replay a command that is not an sms.send (409 not_replayable), and leaves it parked', async () => {
    const marker = `not json ${Date.now()}`;
    await broker.publish(system.queue, marker);
    const letter = await letterWith(marker);
    expect(letter.reason).toMatch(/not a JSON object/);

    const refused = await kit.replay(letter.id).expect(409);
    expect(refused.body).toMatchObject({ statusCode: 409, code: 'not_replayable' });
    expect((await letterWith(marker)).replayedAt).toBeUndefined();
  });

  it('answers 404 for an unknown dead letter, 400 for a malformed id, 401 without a key', async () => {
    const unknown = await kit.replay('6650f1c2a1b2c3d4e5f60718').expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    const malformed = await kit.replay('not-an-id').expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, code: 'invalid_id' });
    await system.http().get('/v1/dead-letters').expect(401);
    await system.http().post('/v1/dead-letters/6650f1c2a1b2c3d4e5f60718/replay').expect(401);
  });

  it('pages newest first with a cursor, filters by replayed, and rejects bad queries', async () => {
    const batch = `page-${Date.now()}`;
    for (let i = 0; i < 5; i += 1) await broker.publish(system.queue, `${batch} #${i}`);
    await waitFor('five parked', async () =>
      (await kit.deadLetters({ limit: 200 })).items.filter((letter) => letter.content.startsWith(batch)).length === 5);

    const seen: DeadLetterView[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: DeadLetterView[]; nextCursor: string | null } = await kit.deadLetters({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const ids = seen.map((letter) => letter.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort().reverse()).toEqual(ids);
    // Newest first: the batch comes out in reverse order of parking.
    expect(seen.filter((letter) => letter.content.startsWith(batch)).map((letter) => letter.content)).toEqual(
      [4, 3, 2, 1, 0].map((i) => `${batch} #${i}`),
    );
    expect(seen.length).toBe((await kit.deadLetters({ limit: 200 })).items.length);

    const replayed = (await kit.deadLetters({ replayed: true, limit: 200 })).items;
    const parked = (await kit.deadLetters({ replayed: false, limit: 200 })).items;
    expect(replayed.every((letter) => letter.replayedAt !== undefined)).toBe(true);
    expect(parked.every((letter) => letter.replayedAt === undefined)).toBe(true);
    expect(replayed.length + parked.length).toBe(seen.length);
    expect(parked.filter((letter) => letter.content.startsWith(batch))).toHaveLength(5);

    const badQueries: Record<string, string | number>[] = [{ limit: 0 }, { limit: 201 }, { cursor: 'abc' }, { replayed: 'maybe' }];
    for (const query of badQueries) {
      const response = await kit.get('/v1/dead-letters', query).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: expect.any(String) });
    }
  });

  it('replays a parked producer command (with a producerId) once its cause is fixed', async () => {
    const to = brMobile(30007);
    await kit.fault(to, '20429', 0);
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to, body: 'producer, parked, replayed', producerId: 'p-replay-1' } });
    // Once stored, the message travels by id: the parked command names the message, not the producer's text.
    const stored = await waitFor('the producer message stored', async () => (await kit.messagesTo(to))[0]);
    const letter = await letterWith(stored.id);
    expect(letter.reason).toMatch(/gave up after 3 attempts/);
    await kit.clearFaults();

    await kit.replay(letter.id).expect(200);
    await waitFor('the producer message delivered', async () =>
      (await kit.messagesTo(to)).some((message) => message.status === 'delivered'), 5000).catch(() => undefined);
    const after = await kit.messagesTo(to);
    expect(after.map((message) => `${message.status}/${message.attempts}`)).toEqual(['delivered/1']);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  });

  it('accepts a replay while the broker is down: the message waits in the outbox and goes out once it is back', async () => {
    const to = brMobile(30008);
    const { id, letter } = await exhausted(to, 'replayed while the broker is down');
    await kit.clearFaults();

    rabbit.cut();
    let accepted;
    try {
      accepted = await kit.replay(letter.id);
      // Like POST /v1/messages during an outage: accepted and owed, not refused.
      expect(accepted.status).toBe(200);
      expect((await kit.message(id)).status).toBe('queued');
      expect(await system.mongo.db(system.dbName).collection('outbox').countDocuments()).toBe(1);
    } finally {
      rabbit.restore();
    }
    await kit.until(id, ['delivered'], 30000);
    expect(system.sandbox.sendsTo(to)).toBe(1);
    expect((await kit.replay(letter.id)).status).toBe(409);
  });
});
