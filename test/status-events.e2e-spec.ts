import { connect as amqpConnect } from 'amqplib';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { smsQueueOptions } from '../src/queue/sms-topology';
import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { EventListener } from './support/event-listener';
import { testServiceUrls } from './support/services';
import { rabbitSettingsOf, RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

const RELAY_AFTER_MS = 5000;

/**
 * Every status change is published to the events exchange from the outbox it is committed with:
 * a producer's own bound queue hears each message's outcome, and an event whose worker was killed
 * right after its change still arrives (published by another process's relay).
 */
describe('status events on the events topic exchange', () => {
  const exchange = `notifyx.test.${randomBytes(4).toString('hex')}.events`;
  let system: RunningSystem;
  let kit: DeliveryKit;
  let listener: EventListener;
  let worker: ChildProcess | undefined;
  const audit = () => system.mongo.db(system.dbName).collection('audit_log');

  beforeAll(async () => {
    listener = await EventListener.bind(exchange);
    system = await startSystem({ worker: false, env: { EVENTS_EXCHANGE: exchange, EVENTS_RELAY_AFTER_MS: String(RELAY_AFTER_MS), EVENTS_RELAY_INTERVAL_MS: '200' } });
    kit = deliveryKit(system);
  });
  afterEach(async () => {
    worker?.kill('SIGKILL');
    if (worker) await exited(worker);
    worker = undefined;
  });
  afterAll(async () => {
    await listener?.close();
    await system?.close();
  });

  it('publishes each change of a REST message, persistent, routed by status, with its sequence and metadata', async () => {
    worker = spawnWorker(system.env);
    const { body } = await kit.post({ to: brMobile(1), body: 'events hello', metadata: { orderId: 'A-1' } }).expect(202);
    // The worker publishes sending and sent, the API delivered (Twilio's callback): they may arrive in any order; data.sequence orders them.
    const arrived = await waitFor('the three events', async () => listener.of(body.id).length >= 3 && listener.of(body.id));
    const events = [...arrived].sort((x, y) => x.data.sequence - y.data.sequence);
    expect(events.map((event) => [event.type, event.routingKey, event.data.sequence])).toEqual([
      ['message.sending', 'message.sending', 2], ['message.sent', 'message.sent', 3], ['message.delivered', 'message.delivered', 4],
    ]);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    expect(events.every((event) => event.persistent)).toBe(true);
    expect(events[2].data).toMatchObject({ messageId: body.id, projectId: 'root', status: 'delivered', segments: 1, producerId: null, metadata: { orderId: 'A-1' }, errorCode: null });
    expect(events[1].data.twilioSid).toMatch(/^SM/);
    // Settled in the store once confirmed: nothing is left for the relay.
    await waitFor('events settled', async () => (await audit().countDocuments({ messageId: body.id, eventPending: true })) === 0);
    expect(await audit().countDocuments({ messageId: body.id, eventBucket: { $exists: true } })).toBe(0);
  });

  it('publishes the outcome of a producer command under its producerId, failures with their code', async () => {
    worker = spawnWorker(system.env);
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    // +15005550001: the sandbox refuses it as an invalid number (21211), a final failure.
    for (const [to, producerId] of [[brMobile(2), 'order-2'], ['+15005550001', 'order-bad']]) {
      const data = { to, body: `from a producer ${producerId}`, producerId };
      channel.sendToQueue(system.queue, Buffer.from(JSON.stringify({ pattern: 'sms.send', data })), { persistent: true });
    }
    await channel.waitForConfirms();
    await connection.close();
    const final = (producerId: string, type: string) => listener.received.find((event) => event.data.producerId === producerId && event.type === type);
    const delivered = await waitFor('order-2 delivered', async () => final('order-2', 'message.delivered'));
    expect(delivered.data.segments).toBe(1);
    const failed = await waitFor('order-bad failed', async () => final('order-bad', 'message.failed'));
    expect(failed.data).toMatchObject({ status: 'failed', errorCode: 21211 });
    expect(failed.data.errorDescription).toEqual(expect.any(String));
  });

  it('a worker SIGKILLed between its change and the event: the event still arrives, once', async () => {
    // The worker holds its events for ten minutes before publishing: killed, it never publishes them.
    worker = spawnWorker({ ...system.env, EVENTS_BATCH_LINGER_MS: '600000' });
    const { body } = await kit.post({ to: brMobile(3), body: 'killed before its event' }).expect(202);
    const messages = system.mongo.db(system.dbName).collection('messages');
    await waitFor('sent in the store', async () => {
      const message = await messages.findOne({ body: 'killed before its event' });
      return message && ['sent', 'delivered'].includes(message.status as string);
    }, 20000, 20);
    worker.kill('SIGKILL');
    await exited(worker);
    worker = undefined;
    expect(listener.of(body.id).map((event) => event.type)).not.toContain('message.sent');
    expect(await audit().countDocuments({ messageId: body.id, 'change.status': 'sent', eventPending: true })).toBe(1);
    const sent = await waitFor('the sent event, from the API relay', async () => listener.of(body.id).find((event) => event.type === 'message.sent'), RELAY_AFTER_MS + 15000);
    expect(sent.data.sequence).toBe(3);
    await waitFor('all settled', async () => (await audit().countDocuments({ messageId: body.id, eventPending: true })) === 0, 15000);
    const ids = listener.of(body.id).map((event) => event.id);
    expect(ids.length).toBe(new Set(ids).size);
    expect(listener.of(body.id).map((event) => event.type).sort()).toEqual(['message.delivered', 'message.sending', 'message.sent']);
  });

  it('an event left pending by a version without settle buckets is published by the relay and settled', async () => {
    const messageId = randomBytes(12).toString('hex');
    // As such a version wrote it: pending, no eventBucket; its process is gone.
    await audit().insertOne({
      at: new Date(Date.now() - RELAY_AFTER_MS - 1000), actor: 'worker', action: 'message.status_changed', messageId, seq: 3,
      fence: `${messageId}:3`, change: { status: 'sent', set: { twilioSid: 'SMold' } }, event: { segments: 1 }, eventPending: true,
    });
    const sent = await waitFor('the old entry\'s event, from the relay', async () => listener.of(messageId).find((event) => event.type === 'message.sent'), 15000);
    expect(sent.data).toMatchObject({ messageId, sequence: 3, twilioSid: 'SMold', segments: 1 });
    await waitFor('settled', async () => (await audit().countDocuments({ messageId, eventPending: true })) === 0, 15000);
  });
});
