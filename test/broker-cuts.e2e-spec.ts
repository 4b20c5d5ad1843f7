import type { ChildProcess } from 'node:child_process';
import { whenClientSends } from './support/amqp-frames';
import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem } from './support/system';
import { CutPoint, TcpProxy } from './support/tcp-proxy';
import { exited, spawnWorker } from './support/worker-process';

const PER_CUT = 5;

/**
 * The broker connection cut at each moment of a worker's life, start-up included: the worker (a
 * real process, so a crash shows as an exit) keeps running, reconnects, and delivers the messages
 * accepted before it, each once. The API reaches RabbitMQ directly; only the worker goes through the proxy.
 */
describe('a worker survives any broker cut (real worker processes)', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let rabbit: TcpProxy;
  let worker: ChildProcess | undefined;
  let seed = 42000;

  beforeAll(async () => {
    rabbit = await new TcpProxy('127.0.0.1', 5672).start();
    system = await startSystem({ worker: false, env: { TWILIO_TIMEOUT_MS: '1000' } });
    kit = deliveryKit(system);
  });
  afterEach(async () => {
    worker?.kill('SIGKILL');
    if (worker) await exited(worker);
    worker = undefined;
  });
  afterAll(async () => {
    await system?.close();
    await rabbit?.close();
  });

  async function accept(count: number): Promise<{ id: string; to: string }[]> {
    const accepted = [];
    for (let i = 0; i < count; i += 1) {
      const to = brMobile((seed += 1));
      const { id } = (await kit.post({ to, body: `accepted before the cut ${seed}` }).expect(202)).body as { id: string };
      accepted.push({ id, to });
    }
    return accepted;
  }

  const cuts: [string, CutPoint][] = [
    ['as soon as the first connection is accepted', (_chunk, flow) => flow.connection === 1],
    ['during the handshake (after the first bytes the broker sent)', (_chunk, flow) => flow.direction === 'down' && flow.bytesBefore > 0],
    ['while opening the channel', whenClientSends('channel.open')],
    ['while declaring the topology (second queue declaration)', whenClientSends('queue.declare', 2)],
    ['after the declarations, at the consume', whenClientSends('basic.consume')],
    ['in steady state, at the first ack', whenClientSends('basic.ack')],
  ];

  it.each(cuts)('cut %s: the worker stays up, reconnects and delivers every message accepted before and after it, once', async (_moment, at) => {
    const accepted = await accept(PER_CUT);
    const cut = rabbit.cutAt(at);
    const connectionsBefore = rabbit.connections;
    worker = spawnWorker({ ...system.env, RABBITMQ_URL: rabbit.route(testServiceUrls().rabbitmqUrl) });
    const crashed = exited(worker).then((code) => new Error(`the worker exited (code ${code}) after the cut`));
    await Promise.race([cut, crashed.then((error) => Promise.reject(error))]);

    // Accepted after the cut: only a consumer on a new connection can deliver these.
    accepted.push(...(await accept(PER_CUT)));
    const delivered = Promise.all(accepted.map(({ id }) => kit.until(id, ['delivered'], 60_000)));
    await Promise.race([delivered, crashed.then((error) => Promise.reject(error))]);
    expect(worker.exitCode).toBeNull();
    expect(rabbit.connections).toBeGreaterThan(connectionsBefore + 1);
    for (const { to } of accepted) expect(system.sandbox.sendsTo(to)).toBe(1);

    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
  }, 90_000);
});
