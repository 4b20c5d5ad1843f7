import { connect as amqpConnect } from 'amqplib';
import type { ChildProcess } from 'node:child_process';
import { smsQueueOptions } from '../src/queue/sms-topology';
import { testServiceUrls } from './support/services';
import { rabbitSettingsOf, RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

const TOTAL = 2000;
const recipient = (i: number) => `+55119${String(80000000 + i)}`;

/**
 * A worker killed with SIGKILL mid-drain, then restarted: every message ends sent, none lost, and
 * a message left in `sending` is settled by asking Twilio before it is sent again.
 */
describe('worker crash and graceful stop (real worker processes)', () => {
  let system: RunningSystem;
  let worker: ChildProcess | undefined;
  const messages = () => system.mongo.db(system.dbName).collection('messages');

  beforeAll(async () => {
    system = await startSystem({ worker: false, sandboxLatencyMs: 20, env: { TWILIO_TIMEOUT_MS: '1000', SMS_PREFETCH: '10' } });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await system?.close();
    // Dropping a database of thousands of messages takes FerretDB a while under load.
  }, 300_000);

  async function publish(count: number, prefix: string): Promise<void> {
    const connection = await amqpConnect(testServiceUrls().rabbitmqUrl);
    const channel = await connection.createConfirmChannel();
    // Declared as the app declares it: publishing to a queue nobody declared yet drops the messages.
    await channel.assertQueue(system.queue, smsQueueOptions(rabbitSettingsOf(system)));
    for (let i = 0; i < count; i += 1) {
      const data = { to: recipient(i), body: `${prefix} ${i}`, producerId: `${prefix}-${i}` };
      channel.sendToQueue(system.queue, Buffer.from(JSON.stringify({ pattern: 'sms.send', data })), { persistent: true });
    }
    await channel.waitForConfirms();
    await connection.close();
  }

  function duplicates(prefix: string): number {
    const seen = new Map<string, number>();
    for (const message of system.sandbox.messages().filter((m) => m.body.startsWith(`${prefix} `))) {
      seen.set(message.body, (seen.get(message.body) ?? 0) + 1);
    }
    return [...seen.values()].reduce((extra, count) => extra + count - 1, 0);
  }

  const sentCount = (prefix: string) =>
    messages().countDocuments({ body: { $regex: `^${prefix} ` }, status: { $in: ['sent', 'delivered'] } });

  it(`SIGKILL while draining ${TOTAL} messages, restart: all sent, none lost, duplicates only where the worker cannot tell`, async () => {
    await publish(TOTAL, 'crash');
    worker = spawnWorker(system.env);
    await waitFor('a third of the messages sent', async () => system.sandbox.messages().length >= TOTAL / 3, 300000);
    worker.kill('SIGKILL');
    await exited(worker);
    const inFlight = await messages().countDocuments({ status: 'sending' });
    const sentAtKill = system.sandbox.messages().length;

    const restartedAt = Date.now();
    worker = spawnWorker(system.env);
    await waitFor(`all ${TOTAL} sent`, async () => (await sentCount('crash')) === TOTAL, 600000, 2000);
    const recoverMs = Date.now() - restartedAt;

    const stored = await messages().countDocuments({ body: { $regex: '^crash ' } });
    const dup = duplicates('crash');
    process.stdout.write(`SIGKILL: ${TOTAL} published, killed after ${sentAtKill} sends with ${inFlight} in sending; ` +
      `${stored} stored, ${await sentCount('crash')} sent, ${TOTAL - stored} lost, ${dup} duplicated; drained ${recoverMs} ms after restart\n`);
    expect(stored).toBe(TOTAL);
    expect(dup).toBeLessThanOrEqual(inFlight);
    // Every message in `sending` at the kill is settled with Twilio before a resend: none is sent twice.
    expect(dup).toBe(0);
    worker.kill('SIGKILL');
    await exited(worker);
  }, 900000);

  it('SIGTERM: stops taking commands, finishes and acks the sends in flight, exits; a restart finishes the rest', async () => {
    await publish(300, 'term');
    worker = spawnWorker(system.env);
    await waitFor('some sent', async () => system.sandbox.messages().filter((m) => m.body.startsWith('term ')).length >= 50, 120000);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
    expect(await messages().countDocuments({ body: { $regex: '^term ' }, status: 'sending' })).toBe(0);
    const reachedTwilio = system.sandbox.messages().filter((m) => m.body.startsWith('term ')).length;
    expect(await sentCount('term')).toBe(reachedTwilio);

    worker = spawnWorker(system.env);
    await waitFor('all 300 sent', async () => (await sentCount('term')) === 300, 300000, 1000);
    process.stdout.write(`SIGTERM: ${reachedTwilio} sent before the stop, 0 left in sending, ${duplicates('term')} duplicated after restart\n`);
    expect(duplicates('term')).toBe(0);
    worker.kill('SIGTERM');
    await exited(worker);
  }, 600000);
});
