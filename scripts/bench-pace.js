#!/usr/bin/env node
/**
 * Outbound pace benchmark (not a test). Builds a backlog of messages through the real API
 * (`node dist/main.js`), then starts N workers (`node dist/worker.js`) that drain it to the Twilio
 * sandbox with TWILIO_MAX_MPS shared through Redis, and prints the achieved rate overall and per
 * one-second window, as the sandbox (standing in for Twilio) saw the sends arrive.
 *
 *   npm run build && node scripts/bench-pace.js --mps 50 --workers 4 --messages 1500
 *   node scripts/bench-pace.js --mps 0 ...   # no cap: what this machine can do at all
 *   node scripts/bench-pace.js --pacer-only --mps 50 --workers 4 --messages 1500
 *
 * --pacer-only leaves out the API, RabbitMQ and the store: each of the N processes runs the app's
 * SendPacer and TwilioProvider (dist/) in a loop, 10 sends in flight, against the same sandbox, so
 * the cap is measured even where the store cannot feed the workers as fast as the cap.
 *
 * Needs RabbitMQ, the MongoDB-compatible store and Redis running (scripts/services.sh starts the
 * first two; BENCH_MONGODB_URI, BENCH_RABBITMQ_URL, BENCH_REDIS_URL override where they are).
 * BENCH_DIST points at another build than ./dist.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const DIST = resolve(process.env.BENCH_DIST || join(__dirname, '..', 'dist'));
const { startTwilioSandbox } = require(join(DIST, 'twilio-sandbox', 'sandbox-server.js'));
const { MongoClient } = require('mongodb');
const amqp = require('amqplib');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const MPS = option('mps', 50);
const WORKERS = option('workers', 4);
const MESSAGES = option('messages', 1500);
const LATENCY_MS = option('latency', 100);
const PREFETCH = option('prefetch', 10);
const MONGO = process.env.BENCH_MONGODB_URI || 'mongodb://127.0.0.1:27017';
const RABBIT = process.env.BENCH_RABBITMQ_URL || 'amqp://guest:guest@127.0.0.1:5672';
const REDIS = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'bench-auth-token-0123456789';
const KEY = 'bench-api-key-with-enough-entropy';

async function freePort() {
  const server = createServer();
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

function start(script, env) {
  const child = spawn(process.execPath, [join(DIST, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, signal) => { if (code && !child.stopping) console.error(`${script} exited ${code ?? signal}`); });
  return child;
}

async function stop(child) {
  if (child.exitCode !== null) return;
  child.stopping = true;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10000).then(() => child.kill('SIGKILL'))]);
}

async function waitUntil(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Accepts every message through the API, a few requests at a time. */
async function acceptBacklog(baseUrl) {
  let next = 0;
  const post = async () => {
    while (next < MESSAGES) {
      const i = next++;
      const to = `+55119${String(80000000 + i)}`;
      const response = await fetch(`${baseUrl}/v1/messages`, {
        method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ to, body: `bench ${i}` }),
      });
      if (response.status !== 202) throw new Error(`POST → ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, post));
}

/**
 * `skipFirst`: the first window starts at the first arrival, itself a little late (cold connections,
 * every process starting at once), so it also holds the next second's first send: shown, not judged.
 */
function report(times, skipFirst = false) {
  const first = times[0];
  const spanS = (times.at(-1) - first) / 1000;
  const windows = [];
  for (const t of times) {
    const w = Math.floor((t - first) / 1000);
    windows[w] = (windows[w] || 0) + 1;
  }
  const counts = Array.from(windows, (c) => c || 0);
  const full = counts.slice(skipFirst ? 1 : 0, -1); // the last window is cut short by the end of the backlog
  let sliding = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while (times[i] - times[j] >= 1000) j += 1;
    sliding = Math.max(sliding, i - j + 1);
  }
  console.log(`sends: ${times.length} in ${spanS.toFixed(2)} s → overall ${((times.length - 1) / spanS).toFixed(2)} msgs/s`);
  console.log(`per 1 s window (from the first send): ${counts.join(' ')}`);
  console.log(`full windows${skipFirst ? ' after the first' : ''}: min ${Math.min(...full)}, max ${Math.max(...full)}; busiest sliding 1 s: ${sliding}`);
  if (MPS > 0) {
    const ok = Math.max(...full) <= MPS && (times.length - 1) / spanS > 0.9 * MPS;
    console.log(`cap ${MPS}: every full window ≤ ${MPS} and overall > ${0.9 * MPS}: ${ok ? 'yes' : 'no'}`);
  }
}

async function main() {
  const suffix = randomBytes(4).toString('hex');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const sandbox = await startTwilioSandbox({ accountSid: SID, authToken: TOKEN, latencyMs: LATENCY_MS, callbackDelayMs: 50 });
  const dbName = `notifyx_bench_${suffix}`;
  const queue = `notifyx.bench.${suffix}`;
  const env = {
    PORT: String(port), PUBLIC_BASE_URL: baseUrl, MONGODB_URI: `${MONGO}/${dbName}`, RABBITMQ_URL: RABBIT, RABBITMQ_SMS_QUEUE: queue,
    SMS_PREFETCH: String(PREFETCH), TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_PHONE_NUMBER: '+15005550006',
    TWILIO_API_BASE_URL: sandbox.url, TWILIO_SANDBOX: 'true', API_KEYS: KEY, LOG_LEVEL: 'warn', THROTTLE_LIMIT: '100000000', THROTTLE_BURST_LIMIT: '100000000', WEBHOOK_THROTTLE_LIMIT: '100000000',
    RECIPIENT_HOURLY_LIMIT: '0', TWILIO_MAX_MPS: String(MPS), REDIS_URL: REDIS, REDIS_KEY_PREFIX: `notifyx:bench:${suffix}:`,
    // Status callbacks are a real part of the load; reconciliation is not.
    RECONCILE_INTERVAL_MS: '3600000',
  };
  console.log(`cap ${MPS || 'none'} msgs/s, ${WORKERS} workers (prefetch ${PREFETCH}), ${MESSAGES} messages, sandbox latency ${LATENCY_MS} ms`);
  const api = start('main.js', env);
  const workers = [];
  try {
    await waitUntil('the API', async () => (await fetch(`${baseUrl}/health`)).status === 200, 60000);
    const accepting = Date.now();
    await acceptBacklog(baseUrl);
    console.log(`backlog accepted through the API in ${((Date.now() - accepting) / 1000).toFixed(1)} s`);
    for (let i = 0; i < WORKERS; i += 1) workers.push(start('worker.js', env));
    await waitUntil('every send at the sandbox', async () => sandbox.messages().length >= MESSAGES, 30 * 60000);
    report(sandbox.messages().map((m) => new Date(m.dateCreated).getTime()).sort((a, b) => a - b), true);
  } finally {
    await Promise.all([...workers, api].map(stop));
    await sandbox.close();
    const mongo = await new MongoClient(MONGO).connect();
    await mongo.db(dbName).dropDatabase().catch(() => undefined);
    await mongo.close();
    const connection = await amqp.connect(RABBIT);
    const channel = await connection.createChannel();
    for (const name of [queue, `${queue}.dead`, ...Array.from({ length: 6 }, (_, n) => `${queue}.retry.${n}`)]) {
      await channel.deleteQueue(name).catch(() => undefined);
    }
    await connection.close().catch(() => undefined);
  }
}

/** One --pacer-only process: the app's own pacer and Twilio provider, as a worker uses them. */
async function pacerChild() {
  const { SendPacer } = require(join(DIST, 'sms', 'send-pacer.js'));
  const { TwilioProvider } = require(join(DIST, 'sms', 'twilio.provider.js'));
  const env = JSON.parse(process.env.BENCH_CHILD);
  const config = {
    pace: { maxMps: MPS }, redis: { url: REDIS, keyPrefix: env.prefix },
    twilio: { accountSid: SID, authToken: TOKEN, phoneNumber: '+15005550006', apiBaseUrl: env.sandbox, timeoutMs: 15000 },
  };
  const pacer = new SendPacer(config);
  await pacer.onModuleInit();
  const provider = new TwilioProvider(config);
  // Warm up (connections, JIT) unpaced, then wait for every process: the clock starts together.
  await provider.send({ to: `+55119${70000000 + process.pid}`, from: null, body: 'warm-up', statusCallback: '' });
  process.send('ready');
  await new Promise((go) => process.once('message', go));
  let left = env.count;
  const loop = async () => {
    while (left > 0) {
      left -= 1;
      await pacer.waitForSlot(null);
      // No status callback: this mode measures the sends alone.
      await provider.send({ to: `+55119${80000000 + left}`, from: null, body: 'bench', statusCallback: '' })
        .catch((error) => console.error(`send failed: ${error.message}`));
    }
  };
  await Promise.all(Array.from({ length: 10 }, loop));
  pacer.onModuleDestroy();
}

async function pacerOnly() {
  const suffix = randomBytes(4).toString('hex');
  const sandbox = await startTwilioSandbox({ accountSid: SID, authToken: TOKEN, latencyMs: LATENCY_MS, callbackDelayMs: 50 });
  console.log(`pacer only: cap ${MPS || 'none'} msgs/s, ${WORKERS} processes × 10 in flight, ${MESSAGES} sends, sandbox latency ${LATENCY_MS} ms`);
  const children = Array.from({ length: WORKERS }, (_, i) => {
    const count = Math.floor(MESSAGES / WORKERS) + (i < MESSAGES % WORKERS ? 1 : 0);
    const config = { prefix: `notifyx:bench:${suffix}:`, sandbox: sandbox.url, count };
    const env = { ...process.env, BENCH_CHILD: JSON.stringify(config) };
    return spawn(process.execPath, process.argv.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  });
  await Promise.all(children.map((child) => new Promise((ready) => child.once('message', ready))));
  const exited = children.map((child) => new Promise((done) => child.once('exit', done)));
  for (const child of children) child.send('go');
  await Promise.all(exited);
  const sends = sandbox.messages().filter((m) => m.body === 'bench');
  report(sends.map((m) => new Date(m.dateCreated).getTime()).sort((a, b) => a - b), true);
  await sandbox.close();
}

const run = process.env.BENCH_CHILD ? pacerChild : process.argv.includes('--pacer-only') ? pacerOnly : main;
run().catch((error) => {
  console.error(error);
  process.exit(1);
});
