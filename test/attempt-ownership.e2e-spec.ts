import type { ChildProcess } from 'node:child_process';
import { ObjectId } from 'mongodb';
import type { StoredMessage } from '../src/twilio-sandbox/message-resource';
import { statusCallbackParams } from '../src/twilio-sandbox/delivery';
import type { SandboxMessage } from '../src/twilio-sandbox/sandbox-server';
import { twilioSignature } from '../src/twilio-sandbox/signature';
import { brMobile, deliveryKit, DeliveryKit, MessageView } from './support/delivery-kit';
import { LossyTwilioProxy } from './support/lossy-twilio-proxy';
import { consumersReady } from './support/send-log';
import { freePort, RunningSystem, startSystem, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

/**
 * A send or a report belongs to one message and one attempt (issue 11, points 3 and 5): a send
 * found at Twilio is never another message's, and a callback moves only the attempt it names.
 * The worker's status callbacks go nowhere, so the test plays Twilio's callbacks itself, when it
 * chooses and as often as it chooses, signed as Twilio signs them.
 */
describe('a send and a report belong to their attempt', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let twilio: LossyTwilioProxy;
  let worker: ChildProcess;

  beforeAll(async () => {
    twilio = await new LossyTwilioProxy().start();
    system = await startSystem({
      worker: false,
      env: { SMS_MAX_ATTEMPTS: '3', SMS_RETRY_BASE_MS: '50', TWILIO_TIMEOUT_MS: '1000', TWILIO_API_BASE_URL: twilio.url },
    });
    twilio.target = system.sandbox.url;
    kit = deliveryKit(system);
    worker = spawnWorker({ ...system.env, PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    await consumersReady(system, 1);
  });
  afterEach(async () => {
    await kit?.clearFaults();
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    if (worker) await exited(worker);
    await system?.close();
    await twilio?.close();
  });

  const accept = async (to: string, body: string): Promise<string> => (await kit.post({ to, body }).expect(202)).body.id;
  const copiesTo = (to: string) => system.sandbox.messages().filter((copy) => copy.to === to);
  const retriesOf = async (id: string) => (await kit.audit({ messageId: id, action: 'message.retry_scheduled' })).length;
  const settledAt = (id: string, attempts: number) =>
    waitFor(`message ${id} sent at attempt ${attempts}`, async () => {
      const view = await kit.message(id);
      return view.status === 'sent' && view.attempts === attempts && view;
    });

  /** Twilio's status callback for `copy`, to the URL the worker gave it (on the API's real address), signed. */
  function callback(copy: SandboxMessage, params = statusCallbackParams({ ...copy, accountSid: TEST_ACCOUNT_SID } as StoredMessage)) {
    const callbackUrl = new URL(copy.statusCallback!);
    const path = `${callbackUrl.pathname}${callbackUrl.search}`;
    return system.http().post(path).type('form')
      .set('x-twilio-signature', twilioSignature(TEST_AUTH_TOKEN, `${system.baseUrl}${path}`, params)).send(params);
  }

  /** Two messages with one text to one number, the first sent and holding its SID when the second's fault is armed. */
  async function twoAlike(to: string, armFault: () => Promise<void> | void): Promise<{ first: MessageView; second: string }> {
    const first = await settledAt(await accept(to, 'the same text'), 1);
    await armFault();
    return { first, second: await accept(to, 'the same text') };
  }

  /** The second was accepted within the window in which a look at Twilio for it sees the first's copy too. */
  async function expectLookSawFirst(first: MessageView, second: MessageView): Promise<void> {
    const firstCopy = copiesTo(first.to).find((copy) => copy.sid === first.twilioSid)!;
    expect(firstCopy.dateCreated.getTime()).toBeGreaterThanOrEqual(Math.floor(Date.parse(second.createdAt) / 1000) * 1000 - 2000);
  }

  async function expectNothingParked(ids: string[]): Promise<void> {
    expect((await kit.deadLetters()).items.filter((letter) => ids.includes(letter.messageId ?? ''))).toHaveLength(0);
    for (const id of ids) expect(await kit.audit({ messageId: id, action: 'command.dead_lettered' })).toHaveLength(0);
  }

  it('a lost answer is settled with the message\'s own copy at Twilio, never the SID another message with the same text holds', async () => {
    const to = brMobile(63001);
    const { first, second } = await twoAlike(to, () => twilio.loseAnswers(to, 1));
    const settled = await settledAt(second, 2);

    await expectLookSawFirst(first, settled);
    // The second create reached Twilio, its answer was lost; the retry looked and did not create again.
    expect(twilio.requests.filter((line) => line.endsWith(` ${to}`))).toEqual([`POST ${to}`, `POST ${to}`, `GET ${to}`]);
    const copies = copiesTo(to);
    expect(copies).toHaveLength(2);
    expect(settled.twilioSid).not.toBe(first.twilioSid);
    expect(copies.map((copy) => copy.sid).sort()).toEqual([first.twilioSid, settled.twilioSid].sort());
    expect((await kit.message(first.id)).twilioSid).toBe(first.twilioSid);
    expect(await retriesOf(second)).toBe(1);
    await expectNothingParked([first.id, second]);
  });

  it('a send that never reached Twilio is made again, not settled with the SID another message with the same text holds', async () => {
    const to = brMobile(63002);
    // The second's create: Twilio neither answers nor stores it.
    const { first, second } = await twoAlike(to, () => kit.fault(to, 'timeout', 1));
    const settled = await waitFor('the second message sent', async () => {
      const view = await kit.message(second);
      return view.status === 'sent' && view;
    });

    await expectLookSawFirst(first, settled);
    const copies = copiesTo(to);
    expect(copies).toHaveLength(2);
    expect(settled.twilioSid).not.toBe(first.twilioSid);
    expect(copies.filter((copy) => copy.sid === settled.twilioSid)).toHaveLength(1);
    expect(await retriesOf(second)).toBe(1);
    await expectNothingParked([first.id, second]);
  });

  /** A message whose first copy Twilio reports `undelivered` with a transient `code`: that copy, once Twilio has it so. */
  async function firstCopyUndelivered(to: string, body: string, code: number): Promise<{ id: string; copy: SandboxMessage }> {
    await kit.fault(to, 'undelivered', 1, code);
    const id = await accept(to, body);
    await settledAt(id, 1);
    const copy = await waitFor('Twilio to report the first copy undelivered', async () =>
      copiesTo(to).find((candidate) => candidate.status === 'undelivered'));
    return { id, copy };
  }

  it('a lost answer after a reported undelivered is settled with the retry\'s copy, not the message\'s own undelivered first one', async () => {
    const to = brMobile(63005);
    const { id, copy: first } = await firstCopyUndelivered(to, 'lost after undelivered', 30001);
    twilio.loseAnswers(to, 1);
    await callback(first).expect(204);
    // Attempt 2 reached Twilio and lost its answer; attempt 3 looks and finds both copies of this text.
    const settled = await settledAt(id, 3);
    const copies = copiesTo(to);
    expect(copies).toHaveLength(2);
    expect(settled.twilioSid).toBe(copies.find((copy) => copy.sid !== first.sid)?.sid);
  });

  it('a late or replayed callback for an earlier attempt (another SID) leaves the current attempt as it is', async () => {
    const to = brMobile(63003);
    const { id, copy: first } = await firstCopyUndelivered(to, 'late report', 30001);
    await callback(first).expect(204);
    const current = await settledAt(id, 2);
    const second = copiesTo(to).find((copy) => copy.sid !== first.sid)!;
    expect(current.twilioSid).toBe(second.sid);
    expect(new URL(first.statusCallback!).searchParams.get('attempt')).toBe('1');

    // The first attempt's report, replayed; then a late `delivered` for its SID at its URL.
    await callback(first).expect(204);
    await callback(first, statusCallbackParams({ ...first, accountSid: TEST_ACCOUNT_SID, status: 'delivered', errorCode: null } as StoredMessage)).expect(204);

    const after = await kit.message(id);
    expect(after).toMatchObject({ status: 'sent', attempts: 2, twilioSid: second.sid, history: current.history });
    expect(await retriesOf(id)).toBe(1);
    expect(copiesTo(to)).toHaveLength(2);
    // The current attempt's own report still applies.
    await callback({ ...second, status: 'delivered' }).expect(204);
    expect(await kit.message(id)).toMatchObject({ status: 'delivered', twilioSid: second.sid, attempts: 2 });
  });

  it('one undelivered/30008 callback replayed (twice at once, then again later) schedules exactly one retry and one more send', async () => {
    const to = brMobile(63004);
    const { id, copy: first } = await firstCopyUndelivered(to, 'replayed report', 30008);
    const answers = await Promise.all([callback(first), callback(first)]);
    expect(answers.map((answer) => answer.status)).toEqual([204, 204]);
    expect(await retriesOf(id)).toBe(1);

    const current = await settledAt(id, 2);
    await callback(first).expect(204);
    expect(await retriesOf(id)).toBe(1);
    expect(await kit.message(id)).toMatchObject({ status: 'sent', attempts: 2, twilioSid: current.twilioSid, history: current.history });
    expect(copiesTo(to)).toHaveLength(2);
    // No further retry is owed anywhere: none waits in the outbox for the relay.
    expect(await system.mongo.db(system.dbName).collection('outbox').countDocuments({ messageId: new ObjectId(id) })).toBe(0);
  });
});
