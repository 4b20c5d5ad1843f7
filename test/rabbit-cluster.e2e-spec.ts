import type { ChildProcess } from 'node:child_process';
import { Broker, deliveryKit } from './support/delivery-kit';
import { RabbitCluster } from './support/rabbit-cluster';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

const TOTAL = 1000;
/** The leader is killed once this many sends have reached Twilio: well inside the drain. */
const SENT_BEFORE_KILL = 300;
const BODY = 'Cluster drain';
const recipient = (i: number) => `+55119${String(60000000 + i)}`;

/**
 * Production's broker: three RabbitMQ nodes joined in one cluster, the SMS queues declared as
 * quorum queues (RABBITMQ_QUEUE_TYPE=quorum), every process given all three nodes
 * (RABBITMQ_URL comma-separated). Two real worker processes drain a bulk send; the node leading
 * the send queue is SIGKILLed mid-drain. The queue must elect another leader and keep every
 * command, the processes on the lost node must fail over to another, and every accepted message
 * must reach Twilio (the sandbox records every create) exactly once.
 */
describe('a three-node RabbitMQ cluster with quorum queues (real nodes, real worker processes)', () => {
  let cluster: RabbitCluster | undefined;
  let system: RunningSystem | undefined;
  const workers: ChildProcess[] = [];
  const sends = () => system!.sandbox.messages().filter((message) => message.body === BODY);

  beforeAll(async () => {
    cluster = await RabbitCluster.start();
    system = await startSystem({
      worker: false, sandboxLatencyMs: 20,
      env: { RABBITMQ_URL: cluster.urls(1), RABBITMQ_QUEUE_TYPE: 'quorum', SMS_PREFETCH: '10', TWILIO_TIMEOUT_MS: '5000' },
    });
  }, 240_000);
  afterAll(async () => {
    try {
      for (const worker of workers) worker.kill('SIGKILL');
      await Promise.all(workers.map(exited));
      await system?.close();
    } finally {
      await cluster?.stop();
    }
  }, 300_000);

  /** Worker 1 comes first, so it declares the queues from node 1; worker 2 connects to node 2 first. */
  async function startWorkers(queue: string): Promise<void> {
    workers.push(spawnWorker({ ...system!.env, RABBITMQ_URL: cluster!.urls(1) }));
    await waitFor('the send queue declared', () => cluster!.queue(queue).catch(() => undefined), 60_000, 500);
    workers.push(spawnWorker({ ...system!.env, RABBITMQ_URL: cluster!.urls(2) }));
  }

  /** SIGKILLs the node leading `queue` once `afterSends` sends reached Twilio; resolves with it and the new leader. */
  async function killLeaderAfter(queue: string, afterSends: number) {
    await waitFor(`${afterSends} sends at Twilio`, async () => sends().length >= afterSends, 300_000, 100);
    const killed = await cluster!.leaderOf(queue);
    await cluster!.kill(killed);
    const sentAtKill = sends().length;
    const newLeader = await waitFor('another node to lead the send queue', async () => {
      const membership = await cluster!.queue(queue).catch(() => undefined);
      return membership && membership.leader !== cluster!.node(killed) && membership.leader;
    }, 60_000, 500);
    return { killed, sentAtKill, newLeader };
  }

  /** Recipients Twilio got more than once, and recipients it never got. */
  function sendsPerRecipient(recipients: Array<{ to: string }>): { twice: string[]; missing: string[] } {
    const perRecipient = new Map<string, number>();
    for (const send of sends()) perRecipient.set(send.to, (perRecipient.get(send.to) ?? 0) + 1);
    return {
      twice: [...perRecipient].filter(([, count]) => count > 1).map(([to]) => to),
      missing: recipients.filter(({ to }) => !perRecipient.has(to)).map(({ to }) => to),
    };
  }

  async function queueDepths(queue: string, liveNode: number): Promise<{ send: number; dead: number }> {
    const broker = await Broker.connect(cluster!.url(liveNode));
    try {
      return { send: await broker.messageCount(queue), dead: await broker.messageCount(`${queue}.dead`) };
    } finally {
      await broker.close();
    }
  }

  /** Accepts `count` more messages with `body` and waits until all are sent. */
  async function drainBatch(body: string, count: number, firstRecipient: number): Promise<void> {
    const recipients = Array.from({ length: count }, (_, i) => ({ to: recipient(firstRecipient + i) }));
    await system!.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body, recipients }).expect(202);
    const messages = system!.mongo.db(system!.dbName).collection('messages');
    await waitFor(`${count} more sent`, async () => (await messages.countDocuments({ body, status: { $in: ['sent', 'delivered'] } })) === count, 120_000, 1000);
  }

  it(`drains ${TOTAL} accepted messages while the send queue's leader node is killed: each reaches Twilio exactly once`, async () => {
    const { queue } = system!;
    await startWorkers(queue);
    for (const name of [queue, `${queue}.dead`, `${queue}.retry.0`]) {
      expect(await cluster!.queue(name)).toMatchObject({ type: 'quorum', members: expect.arrayContaining([1, 2, 3].map((n) => cluster!.node(n))) });
    }
    const recipients = Array.from({ length: TOTAL }, (_, i) => ({ to: recipient(i) }));
    const response = await system!.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body: BODY, recipients }).expect(202);
    expect(response.body).toMatchObject({ accepted: TOTAL, rejected: [] });

    const { killed, sentAtKill, newLeader } = await killLeaderAfter(queue, SENT_BEFORE_KILL);
    // A process started while its first listed node is down goes on to the next one.
    workers.push(spawnWorker({ ...system!.env, RABBITMQ_URL: cluster!.urls(killed) }));
    const db = system!.mongo.db(system!.dbName);
    const settled = () => db.collection('messages').countDocuments({ body: BODY, status: { $in: ['sent', 'delivered'] } });
    await waitFor(`all ${TOTAL} sent`, async () => (await settled()) === TOTAL, 600_000, 2000);

    const { twice, missing } = sendsPerRecipient(recipients);
    const taken = await db.collection('audit_log').countDocuments({ action: 'message.reclaimed' });
    process.stdout.write(`cluster: leader node ${killed} killed after ${sentAtKill} sends; new leader ${newLeader}; ` +
      `${sends().length} sends for ${TOTAL} messages, ${twice.length} sent twice ${JSON.stringify(twice.slice(0, 10))}, ` +
      `${missing.length} never sent; ${taken} taken over from a worker cut off mid-send\n`);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(sends()).toHaveLength(TOTAL);
    expect(await db.collection('messages').countDocuments({ body: BODY })).toBe(TOTAL);
    // Nothing was parked on the way, no command is left behind, and no worker died of the loss.
    expect(await queueDepths(queue, killed === 1 ? 2 : 1)).toEqual({ send: 0, dead: 0 });
    expect((await deliveryKit(system!).deadLetters()).items).toEqual([]);
    expect(workers.every((worker) => worker.exitCode === null && worker.signalCode === null)).toBe(true);

    // The worker started with the lost node first in its list, alone now, drains a further batch.
    const [first, second] = workers;
    first.kill('SIGKILL');
    second.kill('SIGKILL');
    await Promise.all([exited(first), exited(second)]);
    await drainBatch(`${BODY} after`, 20, TOTAL);
    expect(system!.sandbox.messages().filter((message) => message.body === `${BODY} after`)).toHaveLength(20);
    expect((await system!.http().get('/health')).status).toBe(200);
  }, 900_000);
});
