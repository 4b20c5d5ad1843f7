'use strict';
/** How the scenarios run on stacks: the NotifyX stack's life, CPU profiles cut to a window, the drains. */
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { drain } = require('./drain');
const { floorDrain, notifyxDrain } = require('./floor');
const { startOtlpSink } = require('./otlp-sink');
const { cpuProfileArgs } = require('./processes');
const { summarise } = require('./profile-summary');
const { API_KEY, Stack } = require('./stack');
const { registerEndpoint, startWebhookReceiver } = require('./webhook-receiver');

const say = (text) => process.stdout.write(`[bench] ${text}\n`);

/**
 * With Redis (as several instances would run) the rate limits, send-policy counters and send pace
 * live there; without it they fall back to the message store, which then does more per message.
 */
async function withStack(name, config, run, options = {}) {
  const redis = config.redisUrl ? { REDIS_URL: config.redisUrl, REDIS_KEY_PREFIX: `bench:${name}:${Date.now().toString(36)}:` } : {};
  const stack = new Stack(name, {
    dist: config.dist, mongodbUri: config.mongodbUri, rabbitmqUrl: config.rabbitmqUrl, logDir: config.logDir,
    sandboxLatencyMs: config.sandboxLatencyMs, logLevel: config.logLevel, env: { SMS_PREFETCH: String(config.prefetch), ...redis },
  });
  try {
    // Inside the try: a stack that fails to start still stops what it did start (the sandbox).
    await stack.start(options);
    return await run(stack);
  } finally {
    await stack.stop();
  }
}

function newestProfile(dir) {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * Runs `scenario` on a stack whose API is CPU-profiled when BENCH_CPU_PROF is set; the scenario
 * returns `{ figures, window }`, and the profile is summarised over that window only (V8 starts
 * profiling as the process starts: start-up and warm-up are left out).
 */
async function withProfiledApi(name, config, results, scenario) {
  const profDir = join(config.logDir, `prof-${name}`);
  results[name] = await withStack(name, config, async (stack) => {
    const { figures, window } = await scenario(stack);
    if (config.cpuProf) results[`${name}Profile`] = await apiProfile(stack, profDir, window);
    return figures;
  }, { apiNodeArgs: config.cpuProf ? cpuProfileArgs(profDir) : [] });
}

/** Ends a stack's profiled API and summarises its profile over `window` (performance.now() times here). */
async function apiProfile(stack, profDir, window) {
  stack.api.child.kill('SIGUSR2');
  await stack.api.exited;
  const file = newestProfile(profDir);
  const since = (t) => (t - stack.apiStartedAt) / 1000;
  return file ? summarise(file, 20, { fromS: since(window.from), toS: since(window.to) }) : undefined;
}

/**
 * The capped run is the pacing check (issue 12, point 4): its cap, unless BENCH_MAX_MPS says, is
 * half the floor's rate from this invocation, which should be below what the drain can do.
 */
function paceCap(config, results) {
  if (config.maxMps !== undefined) return { maxMps: config.maxMps, capFrom: 'BENCH_MAX_MPS' };
  const floorMps = results.drainFloor?.floor?.mps;
  if (floorMps > 0) return { maxMps: Math.max(1, Math.floor(floorMps / 2)), capFrom: `half the floor's ${floorMps} msg/s` };
  return { maxMps: 1000, capFrom: 'no floor measured: 1000, above what the drain does' };
}

/** BENCH_TRACING: the drain with tracing off (the default), on (OTLP to a sink here), or both, off first. */
function tracingModes(config) {
  return config.tracing === 'both' ? ['off', 'on'] : [config.tracing === 'on' ? 'on' : 'off'];
}

/**
 * BENCH_WEBHOOKS: the drain without a webhook endpoint, with one receiving every event (`on`), or
 * both (the default), off first; the `on` runs leave out the capped run (the pacing check).
 */
function webhookModes(config) {
  return config.webhooks === 'both' ? ['off', 'on'] : [config.webhooks === 'on' ? 'on' : 'off'];
}

async function drainScenario(config, results) {
  const runs = config.drainWorkers.map((workers) => ({ workers, maxMps: 0 }));
  const { maxMps, capFrom } = paceCap(config, results);
  if (maxMps > 0) runs.unshift({ workers: Math.max(...config.drainWorkers), maxMps, capFrom });
  results.drain = [];
  for (const tracing of tracingModes(config)) {
    for (const webhooks of webhookModes(config)) {
      const sink = tracing === 'on' ? await startOtlpSink() : undefined;
      const receiver = webhooks === 'on' ? await startWebhookReceiver(config.logDir) : undefined;
      try {
        results.drain.push(...await drainRuns(config, results, receiver ? runs.filter((run) => !run.maxMps) : runs, sink, receiver));
      } finally {
        await sink?.close();
        await receiver?.close();
      }
    }
  }
}

/** The drain's runs on one stack; with `sink`, the API and workers export their spans to it; with `receiver`, an endpoint posts every event there. */
async function drainRuns(config, results, runs, sink, receiver) {
  const apiProfileDir = join(config.logDir, 'prof-drain-api');
  const profiled = config.cpuProf && !results.drainWorkerProfile;
  const env = sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'notifyx-bench' } : {};
  const name = `drain${sink ? '-traced' : ''}${receiver ? '-webhooks' : ''}`;
  return withStack(name, config, async (stack) => {
    if (receiver) await registerEndpoint(stack, receiver.url, API_KEY);
    const figures = [];
    const profileDir = join(config.logDir, 'prof-drain');
    let apiWindow;
    for (const [index, run] of runs.entries()) {
      const profiling = profiled && index === 0;
      // With Redis the pace is shared, so the cap holds for all the workers together.
      say(`drain: ${config.drainCount} messages, ${run.workers} worker(s), TWILIO_MAX_MPS=${run.maxMps || 'off'}, tracing ${sink ? 'on' : 'off'}, webhooks ${receiver ? 'on' : 'off'}`);
      const exportedBefore = sink?.stats();
      const postsBefore = receiver ? (await receiver.stats()).posts : 0;
      const result = await drain(stack, {
        count: config.drainCount, connections: config.connections, timeoutS: config.drainTimeoutS, profileDir: profiling ? profileDir : undefined,
        store: config.store, ...run,
      });
      if (run.capFrom) result.capFrom = run.capFrom;
      result.tracing = sink ? 'on' : 'off';
      result.webhooks = receiver ? 'on' : 'off';
      // Posts received by the end of the run: the endpoint kept up with the drain, or lagged behind it.
      if (receiver) result.webhookPostsPerMessage = Math.round((((await receiver.stats()).posts - postsBefore) / Math.max(1, result.sent)) * 100) / 100;
      if (sink) result.otlpKiBPerMessage = Math.round(((sink.stats().bytes - exportedBefore.bytes) / 1024 / Math.max(1, result.sent)) * 100) / 100;
      figures.push(result);
      // The first run's first worker: where a worker's time goes while it drains.
      const file = profiling && newestProfile(profileDir);
      if (file) results.drainWorkerProfile = summarise(file, 20, result.profileWindow);
      if (profiling) apiWindow = result.clockWindow;
      delete result.clockWindow;
    }
    // The API's share of the drain is the status callbacks: its profile over the first run.
    if (apiWindow) results.drainApiProfile = await apiProfile(stack, apiProfileDir, apiWindow);
    return figures;
  }, { apiNodeArgs: profiled ? cpuProfileArgs(apiProfileDir) : [], env });
}

/**
 * NotifyX's drain beside its floor (floor.js), one worker at the stacks' prefetch, uncapped, the
 * same message count; the ratios are NotifyX ÷ floor.
 */
async function drainFloorScenario(config, results) {
  const options = { count: config.drainCount, prefetch: config.prefetch, timeoutS: config.drainTimeoutS, store: config.store };
  const side = async (name, body) => {
    say(`drain-floor: ${config.drainCount} messages, ${name}`);
    try {
      return await body();
    } catch (error) {
      say(`drain-floor: ${name} failed: ${error.stack}`);
      return { error: error.message };
    }
  };
  const floor = await side('the floor', () => floorDrain({ ...config, ...options }));
  // BENCH_CPU_PROF: the worker and the API (its status callbacks) profiled over NotifyX's window.
  const workerProfileDir = join(config.logDir, 'prof-drain-floor-worker');
  const apiProfileDir = join(config.logDir, 'prof-drain-floor-api');
  const notifyx = await side('NotifyX, 1 worker', () => withStack('drain-floor', config, async (stack) => {
    const figures = await notifyxDrain(stack, {
      ...options, connections: config.connections, rabbitmqUrl: config.rabbitmqUrl, profileDir: config.cpuProf ? workerProfileDir : undefined,
    });
    const workerFile = config.cpuProf && newestProfile(workerProfileDir);
    if (workerFile) results.drainFloorWorkerProfile = summarise(workerFile, 20, figures.workerWindow);
    if (config.cpuProf && figures.clockWindow) results.drainFloorApiProfile = await apiProfile(stack, apiProfileDir, figures.clockWindow);
    delete figures.clockWindow;
    delete figures.workerWindow;
    return figures;
  }, { apiNodeArgs: config.cpuProf ? cpuProfileArgs(apiProfileDir) : [] }));
  delete floor.clockWindow;
  const ratio = (key) => (floor[key] > 0 && notifyx[key] > 0 ? Math.round((notifyx[key] / floor[key]) * 1000) / 1000 : null);
  results.drainFloor = {
    messages: config.drainCount, prefetch: config.prefetch, sandboxLatencyMs: config.sandboxLatencyMs, floor, notifyx,
    ratios: { mps: ratio('mps'), cpuPerMessage: ratio('ownCpuMsPerMessage') },
  };
}

module.exports = { withStack, withProfiledApi, drainScenario, drainFloorScenario };
