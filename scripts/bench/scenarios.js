'use strict';
/** The benchmark's scenarios; each returns plain figures for the report. */
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const autocannon = require('autocannon');
const { API_KEY, cpuProfileArgs, cpuSeconds, startNode, waitUntil, freePort } = require('./stack');
const { MongoClient } = require('mongodb');
const amqp = require('amqplib');

const HEADERS = { 'content-type': 'application/json', 'x-api-key': API_KEY };
const round = (n, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * A different Brazilian mobile for every message of the run: per-recipient work (opt-out lookup,
 * the hourly per-recipient limit) is then neither one hot key nor refused.
 */
let sequence = 0;
function recipient() {
  sequence += 1;
  return `+55119${String(10000000 + (sequence % 89999999))}`;
}

/** autocannon against POST `url` with a fresh recipient per request. */
async function load(url, { connections, durationS, amount, body = 'NotifyX benchmark message', headers = HEADERS }) {
  const result = await autocannon({
    url, method: 'POST', connections, headers,
    ...(amount ? { amount } : { duration: durationS }),
    requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ to: recipient(), body }) }) }],
  });
  const ok = result['2xx'];
  return {
    requests: result.requests.total, ok, rps: round(ok / result.duration), p50Ms: result.latency.p50,
    p99Ms: result.latency.p99, maxMs: result.latency.max, errors: result.errors + result.timeouts, non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    durationS: round(result.duration, 2),
  };
}

/**
 * `load`, plus the CPU time the server process used per answered request: unlike requests/s it
 * hardly depends on what else runs on the machine, so it tells where a quiet machine would top out.
 */
async function measured(url, options, pid) {
  const before = cpuSeconds(pid);
  const figures = await load(url, options);
  const used = cpuSeconds(pid) - before;
  return { ...figures, serverCpuMsPerRequest: figures.ok > 0 && Number.isFinite(used) ? round((used * 1000) / figures.ok, 2) : null };
}

/** A short unmeasured run first: JIT, connection pools and FerretDB's caches warm up. */
async function warmUp(url, options) {
  if (options.warmupS > 0) await load(url, { ...options, durationS: options.warmupS });
}

/** Also says when the measured run began and ended (performance.now()), to cut a profile to it. */
async function accept(stack, options) {
  const url = `${stack.baseUrl}/v1/messages`;
  await warmUp(url, options);
  const from = performance.now();
  const figures = await measured(url, options, stack.api.child.pid);
  return { figures, window: { from, to: performance.now() } };
}

/** The same load against bare-limit-server.js, on its own database and queue. */
async function limit(options) {
  const suffix = `${Date.now().toString(36)}`;
  const port = await freePort();
  const db = `notifyx_bench_limit_${suffix}`;
  const queue = `notifyx.bench.limit.${suffix}`;
  const server = startNode('limit', [join(__dirname, 'bare-limit-server.js')], {
    PORT: String(port), MONGODB_URI: `${options.mongodbUri}/${db}`, RABBITMQ_URL: options.rabbitmqUrl, QUEUE: queue,
  }, options.logDir);
  try {
    await waitUntil('the bare limit server', () => new Promise((resolve) => {
      http.get(`http://127.0.0.1:${port}/`, (res) => resolve(res.resume() && true)).on('error', () => resolve(false));
    }));
    const url = `http://127.0.0.1:${port}/`;
    await warmUp(url, options);
    return await measured(url, options, server.child.pid);
  } finally {
    await server.stop();
    const mongo = await new MongoClient(options.mongodbUri).connect();
    await mongo.db(db).dropDatabase();
    await mongo.close();
    const connection = await amqp.connect(options.rabbitmqUrl);
    await (await connection.createChannel()).deleteQueue(queue);
    await connection.close();
  }
}

async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Recipients of the bulk scenario's warm-up call. */
const BULK_WARMUP = 1000;

/** One POST /v1/messages/bulk with `size` recipients: time to 202, then until all commands are in the queue; `window` is the request's. */
async function bulk(stack, { size }) {
  const probe = await postJson(`${stack.baseUrl}/v1/messages/bulk`, {});
  if (probe.status === 404) return { figures: { skipped: 'POST /v1/messages/bulk does not exist in this build' } };
  // A warm-up call first, as the accept scenario has its warm-up: a running API has compiled its code paths.
  const warmUp = await postJson(`${stack.baseUrl}/v1/messages/bulk`, { body: 'NotifyX bulk warm-up', recipients: Array.from({ length: BULK_WARMUP }, () => ({ to: recipient() })) });
  const queuedBefore = warmUp.status === 202 ? warmUp.body.accepted : 0;
  await waitUntil(`${queuedBefore} warm-up commands in ${stack.queue}`, async () => (await stack.queueStats()).messageCount >= queuedBefore, 60000, 50);
  const recipients = Array.from({ length: size }, () => ({ to: recipient() }));
  const started = performance.now();
  const answer = await postJson(`${stack.baseUrl}/v1/messages/bulk`, { body: 'NotifyX bulk benchmark', recipients });
  const answeredMs = performance.now() - started;
  const window = { from: started, to: performance.now() };
  if (answer.status !== 202) return { figures: { skipped: `bulk answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}` }, window };
  const accepted = answer.body.accepted;
  let queuedMs = null;
  try {
    await waitUntil(`${accepted} commands in ${stack.queue}`, async () => (await stack.queueStats()).messageCount >= queuedBefore + accepted, 300000, 50);
    queuedMs = performance.now() - started;
  } catch {
    // reported as null
  }
  const figures = {
    recipients: size, accepted, rejected: answer.body.rejected?.length ?? null,
    secondsTo202: round(answeredMs / 1000, 3), secondsUntilAllQueued: queuedMs === null ? null : round(queuedMs / 1000, 3),
    acceptedPerSecond: queuedMs === null ? null : round(accepted / (queuedMs / 1000)),
  };
  // The profile covers the request, until the 202.
  return { figures, window };
}

/** Most creates seen in any 1-second window (times in ms, sorted). */
function busiestSecond(times) {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end += 1) {
    while (times[end] - times[start] >= 1000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** What `after` has more of than `before`, by key, per message, with the total; undefined without both. */
function perMessageDelta(before, after, n) {
  if (!before || !after || n === 0) return undefined;
  const delta = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, round((value - (before[key] ?? 0)) / n, 2)]).filter(([, v]) => v > 0));
  return { ...delta, total: round(Object.values(delta).reduce((sum, v) => sum + v, 0), 2) };
}

/** `count` queued messages (accepted through the API, no worker running), then `workers` workers send them. */
/** `profileDir`: profile the workers (--cpu-prof) while they drain; their .cpuprofile files land there. */
/** `store`: the bench's own FerretDB (store.js), whose requests and CPU are counted per message; optional. */
async function drain(stack, { count, workers, maxMps, connections, timeoutS, profileDir, store }) {
  await load(`${stack.baseUrl}/v1/messages`, { connections, amount: count, body: 'NotifyX drain benchmark' });
  await waitUntil(`${count} commands queued`, async () => (await stack.queueStats()).messageCount >= count, 120000, 100);
  stack.tap.reset();
  const started = performance.now();
  const profiling = profileDir ? cpuProfileArgs(profileDir) : [];
  await stack.startWorkers(workers, { TWILIO_MAX_MPS: String(maxMps) }, profiling);
  const workersReady = performance.now();
  const cpu = () => ({
    workers: stack.workers.reduce((sum, worker) => sum + (cpuSeconds(worker.child.pid) ?? NaN), 0),
    api: cpuSeconds(stack.api.child.pid) ?? NaN,
    ...(store ? store.cpuSeconds() : {}),
  });
  const cpuBefore = cpu();
  const commandsBefore = await store?.commands().catch(() => undefined);
  let cpuAfter;
  let commandsAfter;
  let timedOut = false;
  try {
    await waitUntil(`${count} Twilio creates`, () => stack.tap.creates.length >= count, timeoutS * 1000, 100);
  } catch {
    // What was sent by then is still a rate: reported with timedOut.
    timedOut = true;
  } finally {
    cpuAfter = cpu();
    commandsAfter = await store?.commands().catch(() => undefined);
    await stack.stopWorkers(profileDir ? 'SIGUSR2' : 'SIGTERM');
  }
  if (timedOut) await stack.purge();
  const times = stack.tap.creates.map((create) => create.at).sort((a, b) => a - b);
  const n = times.length;
  const perMessage = (side) => round(((cpuAfter[side] - cpuBefore[side]) * 1000) / n, 2);
  const first = times[0];
  const last = times[n - 1];
  const from = times[Math.floor(n * 0.1)];
  const to = times[Math.floor(n * 0.9)];
  return {
    messages: count, sent: n, timedOut, workers, prefetch: Number(stack.options.env.SMS_PREFETCH ?? 10), maxMps,
    sandboxLatencyMs: stack.options.sandboxLatencyMs,
    secondsFromWorkerStart: round((last - started) / 1000, 2),
    mps: round((n - 1) / ((last - first) / 1000)),
    steadyMps: round((Math.floor(n * 0.9) - Math.floor(n * 0.1)) / ((to - from) / 1000)),
    busiestSecond: busiestSecond(times),
    ofCap: maxMps > 0 ? round((n - 1) / ((last - first) / 1000) / maxMps, 3) : null,
    // CPU per message: the workers' sends, and the API's status callbacks that arrive meanwhile.
    workerCpuMsPerMessage: perMessage('workers'), apiCpuMsPerMessage: perMessage('api'),
    // The bench's own store: FerretDB, and PostgreSQL under it.
    ...(store ? { ferretdbCpuMsPerMessage: perMessage('ferretdb'), postgresCpuMsPerMessage: perMessage('postgres') } : {}),
    // Store requests per message sent (the bench's own FerretDB): workers, callbacks and relays together.
    storeCommandsPerMessage: perMessageDelta(commandsBefore, commandsAfter, n),
    // For cutting a worker profile to the drain: seconds from the workers' start to ready and to the end.
    profileWindow: { fromS: round((workersReady - started) / 1000, 2), toS: round((last - started) / 1000, 2) },
    // The same window on this process's clock (performance.now()), for cutting the API's profile.
    clockWindow: { from: workersReady, to: last },
  };
}

/** POSTs at a fixed rate with workers running; latency from the POST to the Twilio create. */
async function endToEnd(stack, { rate, durationS, workers, maxMps }) {
  await stack.startWorkers(workers, { TWILIO_MAX_MPS: String(maxMps) });
  stack.tap.reset();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const url = new URL(`${stack.baseUrl}/v1/messages`);
  const runId = Date.now().toString(36);
  const total = Math.round(rate * durationS);
  const sentAt = new Map();
  const answered = [];
  const statuses = {};
  const post = (i) => new Promise((resolve) => {
    const body = `e2e ${runId} ${i}`;
    const payload = JSON.stringify({ to: recipient(), body });
    const at = performance.now();
    sentAt.set(body, at);
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
      headers: { ...HEADERS, 'content-length': Buffer.byteLength(payload) } }, (response) => {
      response.resume();
      response.on('end', () => {
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        answered.push(performance.now() - at);
        resolve();
      });
    });
    request.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    request.end(payload);
  });
  const start = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(post(i));
  }
  const sendingS = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  const accepted = statuses[202] ?? 0;
  try {
    await waitUntil('every accepted message to reach Twilio', () => stack.tap.creates.filter((c) => sentAt.has(c.body)).length >= accepted, 180000, 100);
  } catch {
    // the missing ones are reported
  }
  await stack.stopWorkers();
  agent.destroy();
  const latencies = stack.tap.creates.filter((c) => sentAt.has(c.body)).map((c) => c.at - sentAt.get(c.body)).sort((a, b) => a - b);
  answered.sort((a, b) => a - b);
  return {
    targetRps: round(rate), achievedRps: round((total - 1) / sendingS), posted: total, statuses, workers, maxMps,
    acceptP50Ms: round(percentile(answered, 50)), acceptP99Ms: round(percentile(answered, 99)),
    reachedTwilio: latencies.length, e2eP50Ms: round(percentile(latencies, 50)), e2eP99Ms: round(percentile(latencies, 99)),
    e2eMaxMs: round(latencies.at(-1) ?? NaN),
  };
}

module.exports = { accept, limit, bulk, drain, endToEnd };
