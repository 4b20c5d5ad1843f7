import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { brMobile, deliveryKit, DeliveryKit, MessageView, statusesOf } from './support/delivery-kit';
import { attemptsStarted, changesOf, consumersReady, createsPerBody, publishSendsAgain } from './support/send-log';
import { freePort, RunningSystem, startSystem } from './support/system';
import { waitFor } from './support/wait-for';
import { exited, spawnWorker } from './support/worker-process';

/** Twilio answers a create after this long, so a worker always has sends in flight when it is stopped. */
const SANDBOX_LATENCY_MS = 1500;
const TWILIO_TIMEOUT_MS = 5000;
/** When a message's attempt counts as abandoned (sms.service.ts: the Twilio timeout and a 5 s margin). */
const STALE_AFTER_MS = TWILIO_TIMEOUT_MS + 5000;

/**
 * One holder sends (issue 11, point 1), on two real worker processes: commands published twice
 * and a worker stopped mid-send never make Twilio receive a text twice, and lose none.
 */
describe('one holder sends: repeated commands and a stopped worker (real worker processes)', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  const workers: ChildProcess[] = [];
  const figures: string[] = [];

  beforeAll(async () => {
    system = await startSystem({ worker: false, sandboxLatencyMs: SANDBOX_LATENCY_MS, env: { TWILIO_TIMEOUT_MS: String(TWILIO_TIMEOUT_MS) } });
    kit = deliveryKit(system);
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
  });
  afterAll(async () => {
    if (figures.length > 0) process.stdout.write(`${figures.join('\n')}\n`);
    await system?.close();
  });

  /** A worker process as production runs it (default prefetch 20), with `env` over the system's. */
  const worker = (env: Record<string, string>): ChildProcess => {
    const child = spawnWorker({ ...system.env, SMS_PREFETCH: '20', ...env });
    workers.push(child);
    return child;
  };
  const accept = async (to: string, body: string): Promise<string> => (await kit.post({ to, body }).expect(202)).body.id;
  const final = (ids: string[], statuses: string[], timeoutMs: number) =>
    waitFor(`${ids.length} messages ${statuses.join('/')}`, async () => {
      const views = await Promise.all(ids.map((id) => kit.message(id)));
      const pending = views.filter((view) => !statuses.includes(view.status));
      // Thrown, not returned: a timeout then names the messages that never got there.
      if (pending.length > 0) throw new Error(pending.map((view) => `${view.id} ${view.status} v${String((view as { version?: number }).version)}`).join(', '));
      return views;
    }, timeoutMs, 500);

  /** Each message reached Twilio once, under the SID it holds, and started each attempt once. */
  async function expectSentOnce(prefix: string, views: MessageView[]): Promise<void> {
    const copies = system.sandbox.messages().filter((copy) => copy.body.startsWith(prefix));
    expect(copies).toHaveLength(views.length);
    expect([...createsPerBody(copies).values()].every((count) => count === 1)).toBe(true);
    for (const view of views) {
      expect(view.twilioSid).toBe(copies.find((copy) => copy.body === view.body)?.sid);
      const started = attemptsStarted(await changesOf(system, view.id));
      expect(started).toEqual(Array.from({ length: view.attempts }, (_, i) => i + 1));
    }
  }

  // Each worker pacing alone (no Redis: 1 MPS each), and both sharing the cap through Redis (1 MPS in all).
  it.each([
    ['each worker pacing alone', {}, 0],
    ['the pace shared through Redis', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `notifyx:test:${randomBytes(4).toString('hex')}:` }, 100],
  ])('TWILIO_MAX_MPS=1, prefetch 20, two workers, the 20 commands published twice, %s: each text reaches Twilio once', async (pacing, pace, seed) => {
    const env = { TWILIO_MAX_MPS: '1', ...pace };
    worker(env);
    worker(env);
    await consumersReady(system, 2);
    const started = Date.now();
    const ids: string[] = [];
    const prefix = `repeat ${seed / 100}.`;
    for (let i = 0; i < 20; i += 1) ids.push(await accept(brMobile(61000 + seed + i), `${prefix}${i}`));
    // The relay publishes each accepted message's command; the same commands come once more.
    await publishSendsAgain(system, ids);

    const views = await final(ids, ['delivered'], 120_000);
    const reclaimed = (await kit.audit({ action: 'message.reclaimed' })).filter((entry) => ids.includes(entry.messageId ?? ''));
    figures.push(`interleavings (${pacing}): 20 messages, 40 commands, 2 workers at 1 MPS -> ${system.sandbox.messages().filter((copy) =>
      copy.body.startsWith(prefix)).length} creates at Twilio, ${reclaimed.length} taken over, all delivered in ${Date.now() - started} ms`);
    await expectSentOnce(prefix, views);
  }, 150_000);

  it('a worker stopped (SIGSTOP) past the timeout while holding sends, taken over, then SIGCONT: 0 extra sends, 0 lost', async () => {
    // Its callbacks go nowhere (as when Twilio's lag): only a takeover can settle what it holds.
    const stopped = worker({ TWILIO_MAX_MPS: '2', PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}` });
    await consumersReady(system, 1);
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push(await accept(brMobile(62000 + i), `stopped ${i}`));
    await waitFor('the first send at Twilio', async () => system.sandbox.messages().some((copy) => copy.body.startsWith('stopped ')), 20_000, 20);
    stopped.kill('SIGSTOP');
    const stoppedAt = Date.now();

    // What it holds: attempts started (logged `sending`) and not ended.
    const held: string[] = [];
    for (const id of ids) if ((await changesOf(system, id)).at(-1)?.status === 'sending') held.push(id);
    expect(held.length).toBeGreaterThan(0);

    worker({ TWILIO_MAX_MPS: '2' });
    await consumersReady(system, 2);
    // Its commands stay unacked on its channel until the broker gives up on its heartbeats; the relay or a redelivery brings them sooner.
    await publishSendsAgain(system, ids);
    await waitFor('every held message taken over', async () => {
      const reclaimed = await kit.audit({ action: 'message.reclaimed' });
      return held.every((id) => reclaimed.some((entry) => entry.messageId === id));
    }, 60_000, 500);
    const takenOverAfterMs = Date.now() - stoppedAt;
    expect(takenOverAfterMs).toBeGreaterThan(STALE_AFTER_MS - 2000);

    stopped.kill('SIGCONT');
    // A graceful stop: the worker finishes what it holds, so nothing of it can send after its exit.
    stopped.kill('SIGTERM');
    const code = await exited(stopped);
    const views = await final(ids, ['sent', 'delivered'], 60_000);
    figures.push(`interleavings: SIGSTOP holding ${held.length} sends of 10, taken over ${takenOverAfterMs} ms after the stop, ` +
      `SIGCONT + SIGTERM (exit ${code}) -> ${system.sandbox.messages().filter((copy) => copy.body.startsWith('stopped ')).length} creates at Twilio`);
    await expectSentOnce('stopped ', views);
    // Taken over: found at Twilio, or (the stop came before the held send left the worker) sent by the
    // taker, whose callback then reports it delivered. The stopped worker's late outcome changes nothing.
    for (const id of held) {
      const statuses = statusesOf(views.find((view) => view.id === id)!);
      expect(statuses.slice(0, 4)).toEqual(['queued', 'sending', 'sending', 'sent']);
      expect(statuses.slice(4)).toEqual(statuses.length > 4 ? ['delivered'] : []);
    }
  }, 150_000);
});
