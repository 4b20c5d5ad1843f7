'use strict';
/** The drain: messages accepted through the API, then sent by workers; rates and costs per message sent. */
const { performance } = require('node:perf_hooks');
const { load, round } = require('./http-load');
const { cpuProfileArgs, cpuSeconds, waitUntil } = require('./processes');

/** Most creates seen in any 1-second window (times in ms, sorted). */
function busiestSecond(times) {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end += 1) {
    while (times[end] - times[start] >= 1000) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** How many creates end a 1-second window (the second up to and including them) holding more than `cap`. */
function secondsAboveCap(times, cap) {
  let above = 0;
  for (let start = 0, end = 0; end < times.length; end += 1) {
    while (times[end] - times[start] >= 1000) start += 1;
    if (end - start + 1 > cap) above += 1;
  }
  return above;
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
    secondsAboveCap: maxMps > 0 ? secondsAboveCap(times, maxMps) : null,
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

module.exports = { drain, busiestSecond, perMessageDelta };
