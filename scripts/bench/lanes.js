'use strict';
/**
 * Priority lanes (issue 14, item 1): a bulk send's `low` backlog drained under a cap, once alone and
 * once with `high` messages POSTed at a steady rate during the drain. Figures: the highs' latency
 * from their POST to the Twilio create (the tap's clock), and the low drain's rate with and
 * without them.
 */
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { HEADERS, percentile, recipient, round } = require('./http-load');
const { waitUntil } = require('./processes');

/** Most recipients one bulk request takes. */
const BULK_MAX = 10000;

async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** `count` low messages accepted by bulk sends (no worker running) and queued in the low lane. */
async function queueLowBacklog(stack, count, body) {
  for (let sent = 0; sent < count; sent += BULK_MAX) {
    const recipients = Array.from({ length: Math.min(BULK_MAX, count - sent) }, () => ({ to: recipient() }));
    const answer = await postJson(`${stack.baseUrl}/v1/messages/bulk`, { body, recipients });
    if (answer.status !== 202) throw new Error(`bulk answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
  }
  await waitUntil(`${count} commands in ${stack.queue}.low`, async () => (await stack.queueStats(`${stack.queue}.low`)).messageCount >= count, 600000, 200);
}

/** Rate over the creates in ms: whole span, and the steady middle (10th to 90th percentile of them). */
function rates(times) {
  const n = times.length;
  if (n < 2) return { mps: null, steadyMps: null };
  const from = times[Math.floor(n * 0.1)];
  const to = times[Math.floor(n * 0.9)];
  return { mps: round((n - 1) / ((times[n - 1] - times[0]) / 1000)), steadyMps: round((Math.floor(n * 0.9) - Math.floor(n * 0.1)) / ((to - from) / 1000)) };
}

/** POSTs one high message every 1/rate s until `done()`; resolves with each one's body → POST time, and → 202 time. */
async function highsDuring(stack, { rate, runId, done }) {
  const postedAt = new Map();
  const answeredAt = new Map();
  const failures = [];
  const start = performance.now();
  for (let i = 0; !done(); i += 1) {
    const due = start + (i * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
    const body = `lanes high ${runId} ${i}`;
    postedAt.set(body, performance.now());
    postJson(`${stack.baseUrl}/v1/messages`, { to: recipient(), body, priority: 'high' })
      .then((answer) => (answer.status === 202 ? answeredAt.set(body, performance.now()) : failures.push(answer.status)), (error) => failures.push(error.message));
  }
  return { postedAt, answeredAt, failures };
}

/** One drain of `count` lows, with highs at `highRate` a second during it (0: none). */
async function drainRun(stack, { count, highRate, maxMps, workers, timeoutS }) {
  const runId = Date.now().toString(36);
  const lowBody = `lanes low ${runId}`;
  await queueLowBacklog(stack, count, lowBody);
  stack.tap.reset();
  await stack.startWorkers(workers, { TWILIO_MAX_MPS: String(maxMps) });
  const lows = () => stack.tap.creates.filter((create) => create.body === lowBody);
  let timedOut = false;
  let highs = { postedAt: new Map(), answeredAt: new Map(), failures: [] };
  try {
    await waitUntil('the drain under way', () => lows().length > 0, 60000, 20);
    const deadline = performance.now() + timeoutS * 1000;
    const drained = () => lows().length >= count || performance.now() > deadline;
    highs = highRate > 0 ? await highsDuring(stack, { rate: highRate, runId, done: drained }) : highs;
    await waitUntil(`${count} low creates`, () => drained(), timeoutS * 1000, 100);
    timedOut = lows().length < count;
    if (highs.postedAt.size > 0) await waitUntil('every high at Twilio', () => reachedHighs(stack, highs).length >= highs.postedAt.size - highs.failures.length, 60000, 100);
  } catch {
    timedOut = true;
  } finally {
    await stack.stopWorkers();
  }
  if (timedOut) await stack.purge(`${stack.queue}.low`);
  const lowTimes = lows().map((create) => create.at).sort((a, b) => a - b);
  const allTimes = stack.tap.creates.map((create) => create.at).sort((a, b) => a - b);
  const latencies = reachedHighs(stack, highs).map((create) => create.at - highs.postedAt.get(create.body)).sort((a, b) => a - b);
  // From the 202 on: the lane's own wait (the worker's checks, the slots reserved ahead, its slot), without the API's accept.
  const afterAccept = reachedHighs(stack, highs).filter((create) => highs.answeredAt.has(create.body))
    .map((create) => create.at - highs.answeredAt.get(create.body)).sort((a, b) => a - b);
  return {
    lows: count, lowsSent: lowTimes.length, timedOut, highRate, highsPosted: highs.postedAt.size, highFailures: highs.failures.length,
    highsReached: latencies.length, highP50Ms: round(percentile(latencies, 50)), highP99Ms: round(percentile(latencies, 99)), highMaxMs: round(latencies.at(-1) ?? NaN),
    low: rates(lowTimes), all: rates(allTimes), highLatenciesMs: latencies.map((ms) => round(ms)), highAfterAcceptMs: afterAccept.map((ms) => round(ms)),
  };
}

function reachedHighs(stack, highs) {
  return stack.tap.creates.filter((create) => highs.postedAt.has(create.body));
}

/**
 * The backlog alone and with highs, `rounds` times, the order alternating (alone first, then with
 * highs first), so a machine getting busier or quieter during the runs weighs on both alike. The
 * ratio is of the mean steady rates; the highs' latencies are pooled over the rounds.
 */
async function lanes(stack, options) {
  const alone = [];
  const withHighs = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const order = round % 2 === 0 ? [0, options.highRate] : [options.highRate, 0];
    for (const highRate of order) (highRate > 0 ? withHighs : alone).push(await drainRun(stack, { ...options, highRate }));
  }
  for (const run of alone) {
    delete run.highLatenciesMs;
    delete run.highAfterAcceptMs;
  }
  const mean = (runs, pick) => runs.reduce((sum, run) => sum + (pick(run) ?? NaN), 0) / runs.length;
  const ratio = (a, b) => (a > 0 && b > 0 ? round(a / b, 3) : null);
  return {
    count: options.count, maxMps: options.maxMps, workers: options.workers, highRate: options.highRate, rounds: options.rounds,
    alone, withHighs, high: pooledHighs(withHighs),
    lowSteadyMps: { alone: round(mean(alone, (run) => run.low.steadyMps)), withHighs: round(mean(withHighs, (run) => run.low.steadyMps)) },
    allSteadyMpsWithHighs: round(mean(withHighs, (run) => run.all.steadyMps)),
    lowRateWithHighsOfAlone: ratio(mean(withHighs, (run) => run.low.steadyMps), mean(alone, (run) => run.low.steadyMps)),
  };
}

function pooledHighs(runs) {
  const latencies = runs.flatMap((run) => run.highLatenciesMs).sort((a, b) => a - b);
  const afterAccept = runs.flatMap((run) => run.highAfterAcceptMs).sort((a, b) => a - b);
  const posted = runs.reduce((sum, run) => sum + run.highsPosted, 0);
  const failures = runs.reduce((sum, run) => sum + run.highFailures, 0);
  for (const run of runs) {
    delete run.highLatenciesMs;
    delete run.highAfterAcceptMs;
  }
  return {
    posted, failures, reached: latencies.length, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies.at(-1) ?? NaN),
    afterAcceptP50Ms: round(percentile(afterAccept, 50)), afterAcceptP99Ms: round(percentile(afterAccept, 99)),
  };
}

module.exports = { lanes };
