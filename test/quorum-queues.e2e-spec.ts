import { connect as amqpConnect, type ConsumeMessage } from 'amqplib';
import type { ChildProcess } from 'node:child_process';
import { QUORUM_DELIVERY_LIMIT, smsQueueOptions } from '../src/queue/sms-topology';
import { Broker, brMobile, deliveryKit, DeliveryKit, DeadLetterView } from './support/delivery-kit';
import { declareSendQueues } from './support/send-log';
import { testServiceUrls } from './support/services';
import { rabbitSettingsOf, RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

/**
 * RABBITMQ_QUEUE_TYPE=quorum on the machine's single RabbitMQ node (a quorum queue of one member
 * behaves as on a cluster, apart from replication; test/rabbit-cluster.e2e-spec.ts loses a node).
 * A crash-looping worker is stood in for by a consumer that takes the command and closes its
 * channel without acking: what RabbitMQ sees when a worker dies holding it.
 */
describe('quorum queues: declarations, the delivery limit, retries and parking', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let broker: Broker;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { RABBITMQ_QUEUE_TYPE: 'quorum', SMS_MAX_ATTEMPTS: '3', SMS_RETRY_BASE_MS: '50' } });
    kit = deliveryKit(system);
    broker = await Broker.connect();
    await declareSendQueues(system);
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    if (worker) await exited(worker);
    await kit?.clearFaults();
    await broker?.close();
    await system?.close();
  });

  /** Takes the first command of the send queue `times` times, never acking it; returns the headers it came with last. */
  async function takeWithoutAck(times: number): Promise<Record<string, unknown>> {
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    let headers: Record<string, unknown> = {};
    for (let taken = 0; taken < times; taken += 1) {
      const channel = await connection.createChannel();
      await channel.prefetch(1);
      const message = await new Promise<ConsumeMessage>((resolve) => {
        void channel.consume(system.queue, (delivered) => delivered && resolve(delivered), { noAck: false });
      });
      headers = message.properties.headers ?? {};
      await channel.close();
    }
    await connection.close();
    return headers;
  }

  const letterFor = (messageId: string): Promise<DeadLetterView> =>
    waitFor(`a dead letter for ${messageId}`, async () => (await kit.deadLetters({ limit: 200 })).items.find((letter) => letter.messageId === messageId));

  it('the queues are quorum queues: a classic declaration of them is refused, the app\'s is accepted', async () => {
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    connection.on('error', () => undefined);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    await expect(channel.assertQueue(system.queue, smsQueueOptions({ ...rabbitSettingsOf(system), queueType: 'classic' })))
      .rejects.toThrow(/PRECONDITION_FAILED/);
    await connection.close().catch(() => undefined);
  });

  it(`RabbitMQ itself dead-letters a command returned more than ${QUORUM_DELIVERY_LIMIT} times (x-death: delivery_limit)`, async () => {
    await broker.publish(system.queue, { pattern: 'sms.send', data: { to: brMobile(41001), body: 'never acked' } });
    const last = await takeWithoutAck(QUORUM_DELIVERY_LIMIT + 1);
    expect(last['x-delivery-count']).toBe(QUORUM_DELIVERY_LIMIT);
    const parked = await broker.waitForMessage(`${system.queue}.dead`, (content) => content.includes('never acked'));
    const deaths = parked.properties.headers?.['x-death'] as Array<{ reason: string; queue: string }>;
    expect(deaths[0]).toMatchObject({ reason: 'delivery_limit', queue: system.queue });
    expect(await broker.messageCount(system.queue)).toBe(0);
  });

  it(`the worker parks a command returned ${QUORUM_DELIVERY_LIMIT} times, with its reason on the message, instead of sending it`, async () => {
    const to = brMobile(41002);
    const { id } = (await kit.post({ to, body: 'returned too often' }).expect(202)).body as { id: string };
    const last = await takeWithoutAck(QUORUM_DELIVERY_LIMIT);
    expect(last['x-delivery-count']).toBe(QUORUM_DELIVERY_LIMIT - 1);

    worker = spawnWorker(system.env);
    const letter = await letterFor(id);
    expect(letter.reason).toMatch(new RegExp(`delivered ${QUORUM_DELIVERY_LIMIT + 1} times without being acked.*delivery limit of ${QUORUM_DELIVERY_LIMIT}`));
    const audited = await kit.audit({ messageId: id, action: 'command.dead_lettered' });
    expect(audited).toEqual([expect.objectContaining({ actor: 'worker', details: expect.objectContaining({ reason: letter.reason }) })]);
    const copy = await broker.waitForMessage(`${system.queue}.dead`, (content) => content.includes(id));
    expect(copy.properties.headers?.['x-notifyx-reason']).toBe(letter.reason);
    expect(system.sandbox.messages().filter((message) => message.to === to)).toEqual([]);

    // Parked, not lost: replayed, it is sent once.
    await kit.replay(letter.id).expect(200);
    await kit.until(id, ['delivered']);
    expect(system.sandbox.messages().filter((message) => message.to === to)).toHaveLength(1);
  });

  it('retries through the quorum delay queues; what runs out of attempts is parked with its reason and replays', async () => {
    const to = brMobile(41003);
    await kit.fault(to, '20429', 0);
    const { id } = (await kit.post({ to, body: 'retried on quorum' }).expect(202)).body as { id: string };
    const failed = await kit.until(id, ['failed']);
    expect(failed.attempts).toBe(3);
    expect((await letterFor(id)).reason).toMatch(/gave up after 3 attempts: 20429/);

    await kit.clearFaults();
    await kit.replay((await letterFor(id)).id).expect(200);
    await kit.until(id, ['delivered']);
    expect(system.sandbox.messages().filter((message) => message.to === to)).toHaveLength(1);
  });
});
