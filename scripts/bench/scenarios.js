'use strict';
/** The benchmark's scenarios; each returns plain figures for the report. */
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { MongoClient } = require('mongodb');
const { HEADERS, percentile, recipient, round, measured, warmUp } = require('./http-load');
const { openLoop } = require('./open-loop');
const { cpuSeconds, startNode, waitUntil, freePort } = require('./processes');

/** Time the API gets between the closed-loop and the open-loop run to finish what the first left. */
const PAUSE_MS = 1000;

/**
 * Closed loop (autocannon, `connections` at once), then open loop at `openRate` POSTs a second
 * (default: half the closed loop's rate). Also says when the closed run began and ended
 * (performance.now()), to cut a profile to it.
 */
async function accept(stack, options) {
  const url = `${stack.baseUrl}/v1/messages`;
  await warmUp(url, options);
  const from = performance.now();
  const figures = await measured(url, options, stack.api.child.pid);
  const window = { from, to: performance.now() };
  await sleep(PAUSE_MS);
  const rate = options.openRate ?? figures.rps / 2;
  const rateFrom = options.acceptOpenRate !== undefined ? 'BENCH_ACCEPT_OPEN_RATE' : options.openRate ? "half the limit's" : "half accept's closed loop (no limit run)";
  const cpuBefore = cpuSeconds(stack.api.child.pid);
  const open = await openLoop(url, {
    rate, durationS: options.durationS, payload: () => JSON.stringify({ to: recipient(), body: 'NotifyX benchmark message' }),
  });
  const cpuMs = (cpuSeconds(stack.api.child.pid) - cpuBefore) * 1000;
  figures.openLoop = { rateFrom, ...open, serverCpuMsPerRequest: open.ok > 0 ? round(cpuMs / open.ok, 2) : null };
  return { figures, window };
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

/** POSTs at a fixed rate (open loop) with workers running; latency from the POST's due time to the Twilio create. */
async function endToEnd(stack, { rate, durationS, workers, maxMps }) {
  await stack.startWorkers(workers, { TWILIO_MAX_MPS: String(maxMps) });
  stack.tap.reset();
  const runId = Date.now().toString(36);
  const sentAt = new Map();
  const posted = await openLoop(`${stack.baseUrl}/v1/messages`, {
    rate, durationS,
    payload: (i) => JSON.stringify({ to: recipient(), body: `e2e ${runId} ${i}` }),
    onIssue: (i, due) => sentAt.set(`e2e ${runId} ${i}`, due),
  });
  const accepted = posted.statuses[202] ?? 0;
  const reached = () => stack.tap.creates.filter((c) => sentAt.has(c.body));
  try {
    await waitUntil('every accepted message to reach Twilio', () => reached().length >= accepted, 180000, 100);
  } catch {
    // the missing ones are reported
  }
  await stack.stopWorkers();
  const latencies = reached().map((c) => c.at - sentAt.get(c.body)).sort((a, b) => a - b);
  return {
    targetRps: round(rate), achievedRps: posted.offeredRps, posted: posted.issued, statuses: posted.statuses, workers, maxMps,
    acceptP50Ms: posted.p50Ms, acceptP99Ms: posted.p99Ms,
    reachedTwilio: latencies.length, e2eP50Ms: round(percentile(latencies, 50)), e2eP99Ms: round(percentile(latencies, 99)),
    e2eMaxMs: round(latencies.at(-1) ?? NaN),
  };
}

module.exports = { accept, limit, bulk, endToEnd };
