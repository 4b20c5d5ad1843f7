import { Logger } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { testServiceUrls } from './support/services';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';
import { TcpProxy } from './support/tcp-proxy';
import { waitFor } from './support/wait-for';

/** Failures on purpose: the broker and the store go away while messages are being accepted. */
describe('outages', () => {
  let system: RunningSystem;
  let broker: TcpProxy;
  let store: TcpProxy;

  beforeAll(async () => {
    const { mongodbUri, rabbitmqUrl } = testServiceUrls();
    broker = await new TcpProxy('127.0.0.1', 5672).start();
    store = await new TcpProxy('127.0.0.1', 27017).start();
    system = await startSystem({
      // One command at a time in the worker, so the order Twilio sees is the order of the queue,
      // which is what the relay controls (with ten in flight, sends may overtake each other).
      env: { RABBITMQ_URL: broker.route(rabbitmqUrl), OUTBOX_RELAY_INTERVAL_MS: '200', SMS_PREFETCH: '1' },
      mongodbUri: store.route(mongodbUri),
    });
  });
  afterAll(async () => {
    broker?.restore();
    store?.restore();
    await system?.close();
    await broker?.close();
    await store?.close();
  });

  /** The app's driver: its topology and each server's type and last error. */
  const driverView = (): string => {
    const connection = system.api.get<Connection>(getConnectionToken());
    const description = (connection.getClient() as unknown as { topology?: { description: { type: string; servers: Map<string, { type: string; error?: Error | null }> } } }).topology?.description;
    if (!description) return `driver: no topology (readyState ${connection.readyState})`;
    const servers = [...description.servers.entries()].map(([address, server]) => `${address} ${server.type}${server.error ? ` (${server.error.name}: ${server.error.message})` : ''}`);
    return `driver: readyState ${connection.readyState}, ${description.type}, ${servers.join(', ')}`;
  };
  const post = (to: string, body: string) => system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).send({ to, body });
  const statusOf = async (id: string) => (await system.http().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY)).body;

  it('keeps answering 202 while RabbitMQ is unreachable, then delivers every message in order', async () => {
    broker.cut();
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const response = await post(`+55119876501${String(i).padStart(2, '0')}`, `outage ${i}`).expect(202);
      ids.push(response.body.id);
    }
    const acceptMs = Date.now() - started;
    const pending = await system.mongo.db(system.dbName).collection('outbox').countDocuments();
    expect(pending).toBe(10);

    const health = await waitFor('/health to report RabbitMQ down', async () => {
      const answer = await system.http().get('/health');
      return answer.status === 503 && answer;
    }, 15000, 500);
    expect(health.body).toMatchObject({ status: 'error', error: { rabbitmq: { status: 'down' } }, info: { mongodb: { status: 'up' } } });

    const restoredAt = Date.now();
    broker.restore();
    const delivered = await waitFor('all delivered after the broker is back', async () => {
      const messages = await Promise.all(ids.map(statusOf));
      return messages.every((message) => message.status === 'delivered') && messages;
    }, 60000);
    const recoverMs = Date.now() - restoredAt;
    // Published in order of acceptance: the sandbox saw the sends in the same order.
    const sandboxOrder = system.sandbox.messages().filter((m) => m.body.startsWith('outage ')).map((m) => m.body);
    expect(sandboxOrder).toEqual(ids.map((_, i) => `outage ${i}`));
    expect(delivered).toHaveLength(10);
    await waitFor('/health to report RabbitMQ up again', async () => (await system.http().get('/health')).status === 200, 15000, 500);
    process.stdout.write(`broker outage: 10 accepted in ${acceptMs} ms while down, 10 delivered ${recoverMs} ms after restore, 0 lost, ${
      system.sandbox.messages().length - 10} duplicated\n`);
  });

  it('answers 503 JSON while MongoDB is unreachable and stores nothing', async () => {
    const before = await system.mongo.db(system.dbName).collection('messages').countDocuments();
    store.cut();
    const response = await post('+5511987650300', 'no store').expect(503);
    expect(response.body).toMatchObject({ statusCode: 503, code: 'database_unavailable', message: expect.any(String) });
    store.restore();
    const restoredAt = Date.now();
    // The driver finds the store again on its own; a loaded machine can take a while. Each miss says
    // why: the answer, the error behind it and what the driver knows of the server.
    const logged = jest.spyOn(Logger.prototype, 'error');
    try {
      await waitFor('store back', async () => {
        logged.mockClear();
        const answer = await post('+5511987650301', 'store back');
        if (answer.status !== 202) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}; ${behind(logged.mock.calls)}; ${driverView()}`);
        return true;
      }, 90_000, 250);
    } finally {
      logged.mockRestore();
    }
    process.stdout.write(`store outage: accepting again ${Date.now() - restoredAt} ms after the store came back\n`);
    const after = await system.mongo.db(system.dbName).collection('messages').countDocuments();
    expect(after).toBe(before + 1);
  }, 120_000);
});

/** The errors the exception filter logged, as name, message and cause. */
function behind(calls: unknown[][]): string {
  const errors = calls.map(([first]) => (first as { err?: unknown })?.err).filter((err): err is Error => err instanceof Error);
  return errors.map((err) => {
    const cause = err.cause instanceof Error ? ` (cause ${err.cause.name}: ${err.cause.message})` : '';
    return `${err.name}: ${err.message}${cause}`;
  }).join(' | ') || 'nothing logged';
}
