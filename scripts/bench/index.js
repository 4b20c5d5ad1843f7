'use strict';
/**
 * `npm run bench`: brings up what it needs, runs the scenarios, prints a table and writes a JSON
 * file. Not a test: figures depend on the machine, so nothing here passes or fails on them.
 *
 *   limit   a bare node:http server doing one MongoDB insert + one confirmed publish per request
 *   accept  POST /v1/messages on the API (no worker running), same connections and duration
 *   bulk    one POST /v1/messages/bulk: seconds to 202 and until every command is queued
 *   drain   queued messages sent by N workers through a sandbox answering after 100 ms,
 *           capped at TWILIO_MAX_MPS, then uncapped against the worker count
 *   e2e     POSTs at half the accept rate with workers running: POST → Twilio create p50/p99
 *
 * Environment (defaults in brackets):
 *   BENCH_SCENARIOS [limit,accept,bulk,drain,e2e]   BENCH_DURATION_S [20]   BENCH_CONNECTIONS [64]
 *   BENCH_WARMUP_S [3]   BENCH_BULK_SIZE [10000]   BENCH_DRAIN_COUNT [20000]   BENCH_DRAIN_WORKERS [1,2]
 *   BENCH_MAX_MPS [1000] (the capped drain run; 0 skips it)   BENCH_SANDBOX_LATENCY_MS [100]
 *   BENCH_DRAIN_TIMEOUT_S [300]: a drain run that takes longer reports what it sent by then
 *   BENCH_E2E_RATE [half the accept rate]   BENCH_E2E_DURATION_S [BENCH_DURATION_S]   BENCH_E2E_WORKERS [1]
 *   BENCH_PREFETCH [20, the app's default]   BENCH_LOG_LEVEL [info]   BENCH_CPU_PROF [0]: profile the API during accept and bulk
 *   BENCH_DIST [dist]   BENCH_BUILD [0]: npm run build first (also done when BENCH_DIST/main.js is missing)
 *   BENCH_MONGODB_URI [a FerretDB of its own; see store.js]   BENCH_RABBITMQ_URL [amqp://guest:guest@127.0.0.1:5672]
 *   BENCH_REDIS_URL [redis://127.0.0.1:6379 when it answers]: rate limits, policy counters and the send pace
 *   BENCH_OUT_DIR [.run/bench]
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const { join, resolve } = require('node:path');
const { summarise } = require('./profile-summary');
const { startPrivateStore } = require('./store');
const scenarios = require('./scenarios');
const { Stack, cpuProfileArgs } = require('./stack');

const ROOT = resolve(__dirname, '..', '..');
const env = process.env;
const num = (name, fallback) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));

function settings() {
  const durationS = num('BENCH_DURATION_S', 20);
  return {
    scenarios: (env.BENCH_SCENARIOS ?? 'limit,accept,bulk,drain,e2e').split(',').map((s) => s.trim()).filter(Boolean),
    durationS, connections: num('BENCH_CONNECTIONS', 64), warmupS: num('BENCH_WARMUP_S', 3),
    bulkSize: num('BENCH_BULK_SIZE', 10000), drainCount: num('BENCH_DRAIN_COUNT', 20000),
    drainWorkers: (env.BENCH_DRAIN_WORKERS ?? '1,2').split(',').map(Number).filter((n) => n > 0),
    maxMps: num('BENCH_MAX_MPS', 1000), drainTimeoutS: num('BENCH_DRAIN_TIMEOUT_S', 300), sandboxLatencyMs: num('BENCH_SANDBOX_LATENCY_MS', 100),
    e2eRate: num('BENCH_E2E_RATE', undefined), e2eDurationS: num('BENCH_E2E_DURATION_S', durationS),
    e2eWorkers: num('BENCH_E2E_WORKERS', 1), prefetch: num('BENCH_PREFETCH', 20),
    logLevel: env.BENCH_LOG_LEVEL ?? 'info', cpuProf: env.BENCH_CPU_PROF === '1',
    dist: resolve(ROOT, env.BENCH_DIST ?? 'dist'), build: env.BENCH_BUILD === '1',
    // Unset: a FerretDB of the benchmark's own (store.js); set: that store, shared with whatever else uses it.
    mongodbUri: env.BENCH_MONGODB_URI?.replace(/\/+$/, ''),
    rabbitmqUrl: env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    redisUrl: env.BENCH_REDIS_URL, outDir: resolve(ROOT, env.BENCH_OUT_DIR ?? '.run/bench'),
  };
}

const say = (text) => process.stdout.write(`[bench] ${text}\n`);

function portAnswers(host, port) {
  return new Promise((done) => {
    const socket = net.connect({ host, port, timeout: 1000 }, () => done(socket.end() && true));
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(socket.destroy() && false));
  });
}

async function prepare(config) {
  execFileSync('bash', [join(ROOT, 'scripts', 'services.sh'), '--skip-browser', '--for-tests'], {
    stdio: 'inherit', env: { ...env, TEST_MONGODB_URI: config.mongodbUri ?? 'mongodb://127.0.0.1:27017', TEST_RABBITMQ_URL: config.rabbitmqUrl },
  });
  config.redisUrl ??= (await portAnswers('127.0.0.1', 6379)) ? 'redis://127.0.0.1:6379' : undefined;
  say(config.redisUrl ? `Redis for limits, counters and pace: ${config.redisUrl}` : 'no Redis: limits, counters and pace use the message store');
  if (!config.mongodbUri) {
    const store = await startPrivateStore(join(config.outDir, 'store'));
    if (store) say(`a FerretDB of its own on ${store.uri} (${store.backend})`);
    else say('no cached FerretDB binary: using the shared store on mongodb://127.0.0.1:27017');
    config.mongodbUri = store?.uri ?? 'mongodb://127.0.0.1:27017';
    config.store = store;
  }
  if (config.build || !existsSync(join(config.dist, 'main.js'))) {
    say('building (npm run build)');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  } else if (newestSource(join(ROOT, 'src')) > statSync(join(config.dist, 'main.js')).mtimeMs) {
    say(`note: src/ has changes newer than ${config.dist}/main.js; BENCH_BUILD=1 rebuilds first`);
  }
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

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

async function drainScenario(config, results) {
  const runs = config.drainWorkers.map((workers) => ({ workers, maxMps: 0 }));
  if (config.maxMps > 0) runs.unshift({ workers: Math.max(...config.drainWorkers), maxMps: config.maxMps });
  const apiProfileDir = join(config.logDir, 'prof-drain-api');
  results.drain = await withStack('drain', config, async (stack) => {
    const figures = [];
    const profileDir = join(config.logDir, 'prof-drain');
    let apiWindow;
    for (const [index, run] of runs.entries()) {
      const profiling = config.cpuProf && index === 0;
      // With Redis the pace is shared, so the cap holds for all the workers together.
      say(`drain: ${config.drainCount} messages, ${run.workers} worker(s), TWILIO_MAX_MPS=${run.maxMps || 'off'}`);
      const result = await scenarios.drain(stack, {
        count: config.drainCount, connections: config.connections, timeoutS: config.drainTimeoutS, profileDir: profiling ? profileDir : undefined,
        store: config.store, ...run,
      });
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
  }, { apiNodeArgs: config.cpuProf ? cpuProfileArgs(apiProfileDir) : [] });
}

async function main() {
  const config = settings();
  const started = new Date();
  const startLoad = os.loadavg().map((n) => Math.round(n * 100) / 100);
  if (startLoad[0] > os.cpus().length) say(`note: load average ${startLoad[0]} on ${os.cpus().length} CPUs; figures will be lower than on a quiet machine`);
  config.logDir = join(config.outDir, `logs-${started.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(config.logDir, { recursive: true });
  await prepare(config);
  try {
    await runAll(config, started, startLoad);
  } finally {
    await config.store?.stop();
  }
}

async function runAll(config, started, startLoad) {
  const results = {};
  const run = async (name, body) => {
    if (!config.scenarios.includes(name)) return;
    say(`${name}…`);
    try {
      await body();
    } catch (error) {
      results[name] = { error: error.message };
      say(`${name} failed: ${error.stack}`);
    }
  };
  await run('limit', async () => (results.limit = await scenarios.limit(config)));
  await run('accept', () => withProfiledApi('accept', config, results, (stack) => scenarios.accept(stack, config)));
  await run('bulk', () => withProfiledApi('bulk', config, results, (stack) => scenarios.bulk(stack, { size: config.bulkSize })));
  await run('drain', () => drainScenario(config, results));
  await run('e2e', async () => {
    const rate = config.e2eRate ?? (results.accept?.rps ? results.accept.rps / 2 : 50);
    results.e2e = await withStack('e2e', config, (stack) => scenarios.endToEnd(stack, {
      rate, durationS: config.e2eDurationS, workers: config.e2eWorkers, maxMps: 0,
    }));
  });

  const report = {
    startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
    // Other processes share this machine: the load average says how quiet it was.
    loadAverage: { atStart: startLoad, atEnd: os.loadavg().map((n) => Math.round(n * 100) / 100) },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    settings: { ...config, logDir: undefined, store: config.store ? `own FerretDB (${config.store.backend})` : 'given' }, results,
  };
  const file = join(config.outDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n${require('./report').table(report)}\n\nJSON: ${file}\nLogs: ${config.logDir}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
