'use strict';
/**
 * The drain against its floor, as `limit` is for acceptance: the same number of queued messages
 * sent by NotifyX (one worker; the API serves the status callbacks) and by floor-consumer.js with
 * floor-callbacks.js, on the same store, broker, sandbox latency and prefetch, each side on a
 * fresh database and queue, measured alike (drain-window.js).
 */
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { MongoClient, ObjectId } = require('mongodb');
const { holdCommands, measureWindow, storeDelivered } = require('./drain-window');
const { load, recipient } = require('./http-load');
const { Fatal, cpuProfileArgs, cpuSeconds, getStatus, freePort, startNode, waitUntil } = require('./processes');
const { ACCOUNT_SID, AUTH_TOKEN, FROM, startTwilio } = require('./twilio');

/** After its consumer is up, a side idles this long before its window opens: start-up work settles. */
const SETTLE_MS = 1000;
/** NotifyX idles this long (instead of SETTLE_MS) before its window: its timers' store requests are counted meanwhile. */
const IDLE_MS = 4000;
const SEED_BATCH = 1000;

/** The indexes of NotifyX's messages collection (src/messages/message.schema.ts): every write maintains them there too. */
const INDEXES = [
  { key: { status: 1, _id: -1 } }, { key: { to: 1, _id: -1 } }, { key: { twilioSid: 1 }, unique: true, sparse: true },
  { key: { batchId: 1, status: 1 }, sparse: true }, { key: { producerId: 1 }, unique: true, sparse: true }, { key: { createdAt: 1 } },
];

/** NotifyX's queue: durable, rejected commands dead-lettered to `<queue>.dead`. */
const queueOptions = (queue) => ({ durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dead` } });

/** `count` queued messages of the API's shape, inserted directly; resolves their commands, not yet published. */
async function seed(messages, count) {
  await messages.createIndexes(INDEXES);
  const held = [];
  for (let done = 0; done < count; done += SEED_BATCH) {
    const now = new Date();
    const docs = Array.from({ length: Math.min(SEED_BATCH, count - done) }, () => ({
      _id: new ObjectId(), to: recipient(), from: null, body: 'NotifyX drain benchmark', segments: 1, encoding: 'GSM-7', status: 'queued',
      history: [{ status: 'queued', at: now }], attempts: 0, createdBy: 'apikey:bench', createdAt: now, updatedAt: now,
    }));
    await messages.insertMany(docs);
    for (const { _id } of docs) {
      held.push({ content: Buffer.from(JSON.stringify({ pattern: 'sms.send', data: { messageId: _id.toHexString() } })), properties: {} });
    }
  }
  return held;
}

/**
 * Messages whose every write was answered but whose document does not show them all: FerretDB
 * applies a conditional update as read-then-write, so a callback racing the consumer's write can
 * undo it there (MongoDB applies each atomically). Counted after the window; it shows the floor
 * would need more than four writes for that store.
 */
async function lostUpdates(messages, count) {
  const [notDelivered, withoutSid] = await Promise.all([
    messages.countDocuments({ status: { $ne: 'delivered' } }), messages.countDocuments({ twilioSid: { $exists: false } }),
  ]);
  return { notDelivered, withoutSid, of: count };
}

/** Waits for a child process's readiness, failing at once if it exits. */
function ready(what, process, check) {
  return waitUntil(what, async () => {
    if (process.child.exitCode !== null) throw new Fatal(`${what} exited with code ${process.child.exitCode}`);
    return check();
  }, 30000, 20);
}

/** The floor's side: its own sandbox, database, queue, callback server and consumer. */
async function floorDrain({ count, prefetch, timeoutS, store, mongodbUri, rabbitmqUrl, dist, logDir, sandboxLatencyMs }) {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const uri = `${mongodbUri}/notifyx_bench_floor_${suffix}`;
  const queue = `notifyx.bench.floor.${suffix}`;
  const twilio = await startTwilio('floor', { dist, logDir, latencyMs: sandboxLatencyMs });
  const mongo = await new MongoClient(uri).connect();
  const broker = await amqp.connect(rabbitmqUrl);
  const channel = await broker.createChannel();
  const children = [];
  try {
    const messages = mongo.db().collection('messages');
    const held = await seed(messages, count);
    await channel.assertQueue(`${queue}.dead`, { durable: true });
    await channel.assertQueue(queue, queueOptions(queue));
    const port = await freePort();
    const callbacks = startNode('floor-callbacks', [join(__dirname, 'floor-callbacks.js')], { PORT: String(port), MONGODB_URI: uri, TWILIO_AUTH_TOKEN: AUTH_TOKEN }, logDir);
    children.push(callbacks);
    await ready('the floor callback server', callbacks, async () => (await getStatus(`http://127.0.0.1:${port}/`)) !== 0);
    const consumer = startNode('floor-consumer', [join(__dirname, 'floor-consumer.js')], {
      MONGODB_URI: uri, RABBITMQ_URL: rabbitmqUrl, QUEUE: queue, PREFETCH: String(prefetch), TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_BASE_URL: twilio.tap.url, TWILIO_PHONE_NUMBER: FROM, CALLBACK_URL: `http://127.0.0.1:${port}/status`,
    }, logDir);
    children.push(consumer);
    await ready('the floor consumer', consumer, async () => (await channel.checkQueue(queue)).consumerCount >= 1);
    await sleep(SETTLE_MS);
    const cpu = () => ({ consumer: cpuSeconds(consumer.child.pid) ?? NaN, callbacks: cpuSeconds(callbacks.child.pid) ?? NaN });
    // Its callback server counts what it recorded: asking it costs no store request.
    const delivered = { count: async () => (await (await fetch(`http://127.0.0.1:${port}/__floor/recorded`)).json()).delivered ?? 0 };
    const figures = await measureWindow({ tap: twilio.tap, rabbitmqUrl, queue, held, cpu, delivered, store, timeoutS });
    return { ...figures, lost: await lostUpdates(messages, count) };
  } finally {
    for (const child of children.reverse()) await child.stop();
    await twilio.stop();
    await mongo.db().dropDatabase().catch(() => undefined);
    await mongo.close();
    for (const name of [queue, `${queue}.dead`]) await channel.deleteQueue(name).catch(() => undefined);
    await broker.close().catch(() => undefined);
  }
}

/**
 * NotifyX's side on a started stack: `count` messages accepted through the API, then one worker.
 * `profileDir`: the worker runs with --cpu-prof and is ended with SIGUSR2 so it writes its profile there;
 * the result's `workerWindow` (seconds from the worker's start) cuts that profile to the window.
 */
async function notifyxDrain(stack, { count, connections, timeoutS, store, rabbitmqUrl, profileDir }) {
  await load(`${stack.baseUrl}/v1/messages`, { connections, amount: count, body: 'NotifyX drain benchmark' });
  await waitUntil(`${count} commands queued`, async () => (await stack.queueStats()).messageCount >= count, 120000, 100);
  const held = await holdCommands(rabbitmqUrl, stack.queue, count);
  const mongo = await new MongoClient(`${stack.options.mongodbUri}/${stack.dbName}`).connect();
  try {
    const workerStarted = performance.now();
    await stack.startWorkers(1, { TWILIO_MAX_MPS: '0' }, profileDir ? cpuProfileArgs(profileDir) : []);
    // Idle, NotifyX's timers (the outbox relay, the batch sweep…) still ask the store: counted here,
    // so the report can tell them from what each message costs.
    const idleBefore = await store?.commands().catch(() => undefined);
    await sleep(IDLE_MS);
    const idleAfter = await store?.commands().catch(() => undefined);
    const worker = stack.workers[0].child.pid;
    const cpu = () => ({ worker: cpuSeconds(worker) ?? NaN, api: cpuSeconds(stack.api.child.pid) ?? NaN });
    const delivered = storeDelivered(mongo.db().collection('messages'));
    const result = await measureWindow({ tap: stack.tap, rabbitmqUrl, queue: stack.queue, held, cpu, delivered, store, timeoutS });
    const since = (t) => Math.round((t - workerStarted) / 10) / 100;
    const idle = idleBefore && idleAfter ? Object.values(idleAfter).reduce((a, b) => a + b, 0) - Object.values(idleBefore).reduce((a, b) => a + b, 0) : undefined;
    // The store's /debug/metrics asks of the bench itself are not in FerretDB's client counts (HTTP, not wire).
    if (idle !== undefined && result.delivered > 0) {
      result.idleStoreRequestsPerS = Math.round((idle / (IDLE_MS / 1000)) * 100) / 100;
      result.idleStoreRequestsPerMessage = Math.round(((idle / (IDLE_MS / 1000)) * result.windowS / result.delivered) * 100) / 100;
    }
    return { ...result, workerWindow: { fromS: since(result.clockWindow.from), toS: since(result.clockWindow.to) } };
  } finally {
    await stack.stopWorkers(profileDir ? 'SIGUSR2' : 'SIGTERM');
    await mongo.close();
  }
}

module.exports = { floorDrain, notifyxDrain };
