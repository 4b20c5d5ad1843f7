import type { Channel } from 'amqplib';
import { ObjectId } from 'mongodb';
import { DeadLettersRepository } from '../src/dead-letters/dead-letters.repository';
import { ConsumerDrain } from '../src/sms/consumer-drain';
import { SmsService } from '../src/sms/sms.service';
import { Broker, brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem } from './support/system';
import { TcpProxy } from './support/tcp-proxy';
import { waitFor } from './support/wait-for';

const MAX_FAILURES = 3;

/** Every delivery settled once: parking survives the store going away, and a command that keeps failing is parked. */
describe('command settlement', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;
  /** The app reaches the store through it; the test itself goes direct. */
  let store: TcpProxy;
  /** Every channel the consumer handled a command on: one while no channel closes. */
  const channels = new Set<Channel>();

  beforeAll(async () => {
    const track = ConsumerDrain.prototype.track;
    jest.spyOn(ConsumerDrain.prototype, 'track').mockImplementation(function (this: ConsumerDrain, channel, work) {
      channels.add(channel);
      return track.call(this, channel, work);
    });
    store = await new TcpProxy('127.0.0.1', 27017).start();
    system = await startSystem({
      env: { SMS_MAX_COMMAND_FAILURES: String(MAX_FAILURES), SMS_RETRY_BASE_MS: '50', SMS_MAX_ATTEMPTS: '3' },
      mongodbUri: store.route(testServiceUrls().mongodbUri),
    });
    kit = deliveryKit(system);
    broker = await Broker.connect();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    store?.restore();
    await system?.close();
    await store?.close();
    await broker?.close();
  });

  const deliveredOnce = async (to: string, body: string) => {
    const { id } = (await kit.post({ to, body }).expect(202)).body as { id: string };
    await kit.until(id, ['delivered']);
    expect(system.sandbox.sendsTo(to)).toBe(1);
  };
  const lettersWith = async (text: string) => (await kit.deadLetters({ limit: 200 })).items.filter((letter) => letter.content.includes(text));

  it('parks a command once while the store is cut, keeps its channel, and lists the dead letter once the store is back', async () => {
    await deliveredOnce(brMobile(41001), 'before the cut');
    let failedWrites = 0;
    const write = DeadLettersRepository.prototype.addOnce;
    jest.spyOn(DeadLettersRepository.prototype, 'addOnce').mockImplementation(function (this: DeadLettersRepository, ...args) {
      return write.apply(this, args).catch((error: unknown) => {
        failedWrites += 1;
        throw error;
      });
    });
    const handled = jest.spyOn(SmsService.prototype, 'handle');
    const marker = `unreadable while the store is cut ${Date.now()}`;
    const other = new ObjectId().toHexString();
    const triesOfOther = () => handled.mock.calls.filter(([command]) => command.messageId === other).length;
    store.cut();
    try {
      await broker.publish(system.queue, marker);
      // The copy is parked, and the write of its record has failed.
      await waitFor('the parked copy', async () => (await broker.messageCount(`${system.queue}.dead`)) === 1);
      await waitFor('a failed record write', async () => failedWrites > 0, 30_000);
      // Meanwhile another command is handled again and again: the pending park blocks nothing, and
      // the store being away is waited out, not counted towards SMS_MAX_COMMAND_FAILURES.
      await broker.publish(system.queue, { pattern: 'sms.send', data: { messageId: other } });
      await waitFor('the other command tried past the failure limit', async () => triesOfOther() > MAX_FAILURES, 60_000);
    } finally {
      store.restore();
    }
    const letter = await waitFor('the dead letter listed', async () => (await lettersWith(marker))[0], 60_000);
    expect(letter.reason).toMatch(/not a JSON object/);
    // Once the store answers, the other one meets its real fate: an unknown message, parked at once.
    const otherLetter = await waitFor('the other command parked', async () => (await lettersWith(other))[0], 30_000);
    expect(otherLetter.reason).toBe(`message ${other} does not exist`);

    await deliveredOnce(brMobile(41002), 'after the store is back');
    expect(channels.size).toBe(1);
    expect(await lettersWith(marker)).toHaveLength(1);
    const parked = (await broker.drain(`${system.queue}.dead`)).filter((copy) => copy.content.toString() === marker);
    handled.mockRestore();
    expect(parked).toHaveLength(1);
    expect(parked[0].properties.headers?.['x-notifyx-dead-letter-id']).toBe(letter.id);
  }, 120_000);

  it(`parks a command whose handling fails ${MAX_FAILURES} times with a non-domain error, with that error as its reason`, async () => {
    const messages = system.mongo.db(system.dbName).collection('messages');
    // A stored message whose document cannot take a status change: its history is not an array,
    // so the store refuses every projection of a change onto it (`$push` onto a string).
    const to = brMobile(41003);
    const { id: model } = (await kit.post({ to, body: 'a template for a broken one' }).expect(202)).body as { id: string };
    await kit.until(model, ['delivered']);
    const broken = new ObjectId();
    const { _id, twilioSid: _sid, ...fields } = (await messages.findOne({ _id: new ObjectId(model) }))!;
    await messages.insertOne({ ...fields, _id: broken, status: 'queued', attempts: 0, version: 1, history: 'not an array' });
    const handled = jest.spyOn(SmsService.prototype, 'handle');

    await broker.publish(system.queue, { pattern: 'sms.send', data: { messageId: broken.toHexString() } });
    const copy = await broker.waitForMessage(`${system.queue}.dead`, (content) => content.includes(broken.toHexString()));
    const tries = handled.mock.calls.filter(([command]) => command.messageId === broken.toHexString()).length;
    expect(tries).toBe(MAX_FAILURES);
    expect(String(copy.properties.headers?.['x-notifyx-reason'])).toMatch(new RegExp(`^failed ${MAX_FAILURES} times \\(SMS_MAX_COMMAND_FAILURES=${MAX_FAILURES}\\): \\w*Error: `));
    const [letter] = await waitFor('the dead letter listed', async () => (await lettersWith(broken.toHexString())).length > 0 && lettersWith(broken.toHexString()));
    expect(letter.reason).toBe(copy.properties.headers?.['x-notifyx-reason']);

    // The consumer went on: others are delivered, on the same channel.
    await deliveredOnce(brMobile(41004), 'after the broken one');
    expect(channels.size).toBe(1);
  }, 60_000);
});
