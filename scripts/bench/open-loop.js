'use strict';
/**
 * An open-loop load generator: POSTs issued on a timer at a fixed rate whether or not earlier ones
 * were answered. autocannon's `overallRate` is not that: each connection still waits for its
 * answer before the next request, so a slow server lowers the offered load (it then corrects the
 * latencies it reports, but the server never sees the load it was meant to). Latency here is
 * measured from each request's due time, so a request the generator issued late still counts its
 * wait (no coordinated omission).
 */
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { HEADERS, percentile, round } = require('./http-load');

/** A request that gets no answer in this time counts as an error. */
const TIMEOUT_MS = 10000;

function post(agent, url, payload, due, outcome) {
  return new Promise((resolve) => {
    const request = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent, timeout: TIMEOUT_MS,
      headers: { ...HEADERS, 'content-length': Buffer.byteLength(payload) },
    }, (response) => {
      response.resume();
      response.on('end', () => {
        outcome.statuses[response.statusCode] = (outcome.statuses[response.statusCode] ?? 0) + 1;
        outcome.latencies.push(performance.now() - due);
        resolve();
      });
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => {
      outcome.statuses.error = (outcome.statuses.error ?? 0) + 1;
      resolve();
    });
    request.end(payload);
  });
}

/**
 * `rate` POSTs a second to `url` for `durationS`, the i-th carrying `payload(i)` (a JSON string).
 * `onIssue(i, due)`: called as each request goes out. Resolves once every request is answered.
 */
async function openLoop(url, { rate, durationS, payload, onIssue = () => undefined }) {
  // Sockets enough that the agent never queues at the rates measured here (rate × latency in flight).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const target = new URL(url);
  const total = Math.round(rate * durationS);
  const outcome = { statuses: {}, latencies: [] };
  const inFlight = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    // Behind schedule (a timer fired late), the overdue requests go out at once.
    if (wait > 1) await sleep(wait);
    onIssue(i, due);
    inFlight.push(post(agent, target, payload(i), due, outcome));
  }
  const issuingS = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  const answeredS = (performance.now() - start) / 1000;
  agent.destroy();
  const latencies = outcome.latencies.sort((a, b) => a - b);
  const ok = Object.entries(outcome.statuses).filter(([code]) => /^2\d\d$/.test(code)).reduce((sum, [, n]) => sum + n, 0);
  return {
    targetRps: round(rate), issued: total, offeredRps: round((total - 1) / issuingS), ok, answeredRps: round(ok / answeredS),
    p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies.at(-1) ?? NaN),
    errors: total - ok, statuses: outcome.statuses, durationS: round(issuingS, 2),
  };
}

module.exports = { openLoop };
