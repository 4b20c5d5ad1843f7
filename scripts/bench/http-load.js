'use strict';
/** Load on an HTTP endpoint with autocannon (closed loop: each connection waits for its answer). */
const { readFileSync } = require('node:fs');
const autocannon = require('autocannon');
const { cpuSeconds } = require('./processes');
const { API_KEY } = require('./stack');

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

/** The machine's CPU time so far, busy and in all (seconds × cores, from /proc/stat). */
function machineCpu() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - fields[3] - fields[4], total };
}

/** The store's requests and CPU so far, when the bench runs a FerretDB of its own (store.js). */
async function storeUsage(store) {
  return store ? { commands: await store.commands(), cpu: store.cpuSeconds() } : undefined;
}

/**
 * What the store did per answered request: its requests by command, and the CPU of FerretDB and
 * PostgreSQL (PostgreSQL's is every backend on the machine: other users of it count too).
 */
function storePerRequest(before, after, ok) {
  if (!before || !after || ok === 0) return {};
  const commands = {};
  for (const [command, count] of Object.entries(after.commands)) {
    const used = count - (before.commands[command] ?? 0);
    if (used > 0) commands[command] = round(used / ok, 3);
  }
  commands.total = round(Object.values(commands).reduce((sum, n) => sum + n, 0), 3);
  const ms = (key) => round(((after.cpu[key] - before.cpu[key]) * 1000) / ok, 2);
  return { storeCommandsPerRequest: commands, ferretdbCpuMsPerRequest: ms('ferretdb'), postgresCpuMsPerRequest: ms('postgres') };
}

/**
 * `load`, plus the CPU time the server process used per answered request: unlike requests/s it
 * hardly depends on what else runs on the machine, so it tells where a quiet machine would top out.
 * With the bench's own store, also what the store did per request; and how busy the machine was
 * (all of its processes: the load generator, the broker and other users of the machine too).
 */
async function measured(url, options, pid) {
  const before = cpuSeconds(pid);
  const storeBefore = await storeUsage(options.store);
  const machineBefore = machineCpu();
  const figures = await load(url, options);
  const used = cpuSeconds(pid) - before;
  const machineAfter = machineCpu();
  const store = storePerRequest(storeBefore, await storeUsage(options.store), figures.ok);
  const machineBusy = round(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100);
  return {
    ...figures, serverCpuMsPerRequest: figures.ok > 0 && Number.isFinite(used) ? round((used * 1000) / figures.ok, 2) : null,
    ...store, machineBusyPercent: machineBusy,
  };
}

/** A short unmeasured run first: JIT, connection pools and FerretDB's caches warm up. */
async function warmUp(url, options) {
  if (options.warmupS > 0) await load(url, { ...options, durationS: options.warmupS });
}

module.exports = { HEADERS, round, percentile, recipient, load, measured, warmUp };
