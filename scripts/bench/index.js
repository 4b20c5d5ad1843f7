'use strict';
/**
 * `npm run bench`: brings up what it needs, runs the scenarios, prints a table and writes a JSON
 * file. Not a test: figures depend on the machine, so nothing here passes or fails on them.
 *
 *   limit        a bare node:http server doing one MongoDB insert + one confirmed publish per request
 *   accept       POST /v1/messages on the API (no worker running): closed loop at N connections, then
 *                open loop at a fixed rate (half the limit's requests/s)
 *   bulk         one POST /v1/messages/bulk: seconds to 202 and until every command is queued
 *   drain-floor  the same queued messages sent by one NotifyX worker (and the API's callbacks) and by
 *                a bare amqplib consumer with a bare node:http callback server: NotifyX ÷ floor
 *   drain        queued messages sent by N workers through a sandbox answering after 100 ms,
 *                capped at TWILIO_MAX_MPS (the pacing check), then uncapped against the worker count
 *   e2e          POSTs at half the accept rate with workers running: POST → Twilio create p50/p99
 *   lanes        a bulk send's `low` backlog drained under a cap, alone and with `high` POSTs at a steady
 *                rate during it: the highs' POST → Twilio create p50/p99, the low drain's rate with ÷ without
 *
 * Environment (defaults in brackets):
 *   BENCH_SCENARIOS [limit,accept,bulk,drain-floor,drain,e2e]   BENCH_DURATION_S [20]   BENCH_CONNECTIONS [64]
 *   BENCH_WARMUP_S [3]   BENCH_ACCEPT_OPEN_RATE [half the limit's requests/s; without limit, half accept's]
 *   BENCH_BULK_SIZE [10000]   BENCH_DRAIN_COUNT [20000] (also drain-floor's)   BENCH_DRAIN_WORKERS [1,2]
 *   BENCH_MAX_MPS [half the floor's msg/s; 1000 without drain-floor] (the capped drain run; 0 skips it)   BENCH_SANDBOX_LATENCY_MS [100]
 *   BENCH_DRAIN_TIMEOUT_S [300]: a drain run that takes longer reports what it sent by then
 *   BENCH_TRACING [off]: the drain with OpenTelemetry tracing `on` (API and workers export OTLP to a sink
 *     in this process) or `both` (every drain run tracing off, then on, on stacks of their own)
 *   BENCH_WEBHOOKS [both]: the drain without a webhook endpoint (`off`), with one receiving every event (`on`, a
 *     receiver in this process), or `both`, printed side by side with the ratio (issue 13: within 10 %)
 *   BENCH_E2E_RATE [half the accept rate]   BENCH_E2E_DURATION_S [BENCH_DURATION_S]   BENCH_E2E_WORKERS [1]
 *   BENCH_LANES_COUNT [10000]   BENCH_LANES_MAX_MPS [50]   BENCH_LANES_HIGH_RATE [2 a second]   BENCH_LANES_WORKERS [1]
 *   BENCH_LANES_ROUNDS [1]: drains alone and with highs, alternating which goes first
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
const { drainFloorScenario, drainScenario, withProfiledApi, withStack } = require('./runs');
const { lanes } = require('./lanes');
const scenarios = require('./scenarios');
const { startPrivateStore } = require('./store');

const ROOT = resolve(__dirname, '..', '..');
const env = process.env;
const num = (name, fallback) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));

function settings() {
  const durationS = num('BENCH_DURATION_S', 20);
  return {
    scenarios: (env.BENCH_SCENARIOS ?? 'limit,accept,bulk,drain-floor,drain,e2e,lanes').split(',').map((s) => s.trim()).filter(Boolean),
    durationS, connections: num('BENCH_CONNECTIONS', 64), warmupS: num('BENCH_WARMUP_S', 3), acceptOpenRate: num('BENCH_ACCEPT_OPEN_RATE', undefined),
    bulkSize: num('BENCH_BULK_SIZE', 10000), drainCount: num('BENCH_DRAIN_COUNT', 20000),
    drainWorkers: (env.BENCH_DRAIN_WORKERS ?? '1,2').split(',').map(Number).filter((n) => n > 0),
    maxMps: num('BENCH_MAX_MPS', undefined), drainTimeoutS: num('BENCH_DRAIN_TIMEOUT_S', 300), sandboxLatencyMs: num('BENCH_SANDBOX_LATENCY_MS', 100),
    e2eRate: num('BENCH_E2E_RATE', undefined), e2eDurationS: num('BENCH_E2E_DURATION_S', durationS),
    e2eWorkers: num('BENCH_E2E_WORKERS', 1), prefetch: num('BENCH_PREFETCH', 20),
    lanes: { count: num('BENCH_LANES_COUNT', 10000), maxMps: num('BENCH_LANES_MAX_MPS', 50), highRate: num('BENCH_LANES_HIGH_RATE', 2), workers: num('BENCH_LANES_WORKERS', 1), rounds: num('BENCH_LANES_ROUNDS', 1) },
    tracing: env.BENCH_TRACING ?? 'off', webhooks: env.BENCH_WEBHOOKS ?? 'both', logLevel: env.BENCH_LOG_LEVEL ?? 'info', cpuProf: env.BENCH_CPU_PROF === '1',
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
  await run('accept', () => withProfiledApi('accept', config, results, (stack) => scenarios.accept(stack, {
    ...config, openRate: config.acceptOpenRate ?? (results.limit?.rps ? results.limit.rps / 2 : undefined),
  })));
  await run('bulk', () => withProfiledApi('bulk', config, results, (stack) => scenarios.bulk(stack, { size: config.bulkSize })));
  await run('drain-floor', () => drainFloorScenario(config, results));
  await run('drain', () => drainScenario(config, results));
  await run('e2e', async () => {
    const rate = config.e2eRate ?? (results.accept?.rps ? results.accept.rps / 2 : 50);
    results.e2e = await withStack('e2e', config, (stack) => scenarios.endToEnd(stack, {
      rate, durationS: config.e2eDurationS, workers: config.e2eWorkers, maxMps: 0,
    }));
  });

  await run('lanes', async () => {
    results.lanes = await withStack('lanes', config, (stack) => lanes(stack, { ...config.lanes, timeoutS: config.drainTimeoutS }));
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
