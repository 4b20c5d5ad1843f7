'use strict';
/** Load on an HTTP endpoint with autocannon (closed loop: each connection waits for its answer). */
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

module.exports = { HEADERS, round, percentile, recipient, load, measured, warmUp };
