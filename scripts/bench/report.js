'use strict';
/** The benchmark's figures as a plain-text table. */

function rows(report) {
  const { results: r, settings: s } = report;
  const out = [];
  const add = (scenario, figure, value, target = '') => out.push([scenario, figure, value === null || value === undefined ? '–' : String(value), target]);
  const load = (name, x) => {
    if (!x) return;
    if (x.error) return add(name, 'error', x.error);
    add(name, `requests/s (${s.connections} connections, ${x.durationS} s)`, x.rps);
    add(name, 'latency p50 / p99 / max (ms)', `${x.p50Ms} / ${x.p99Ms} / ${x.maxMs}`);
    add(name, 'errors / non-2xx', `${x.errors} / ${x.non2xx}`);
    add(name, 'server CPU per request (ms)', x.serverCpuMsPerRequest);
    if (x.storeCommandsPerRequest) {
      const { total, ...byCommand } = x.storeCommandsPerRequest;
      add(name, 'store requests per request', `${total} (${Object.entries(byCommand).map(([c, v]) => `${c} ${v}`).join(', ')})`);
      add(name, 'CPU ms per request, FerretDB / PostgreSQL', `${x.ferretdbCpuMsPerRequest} / ${x.postgresCpuMsPerRequest}`);
    }
    if (x.machineBusyPercent !== undefined) add(name, 'machine CPU busy during the run (all processes)', `${x.machineBusyPercent} %`);
  };
  load('limit', r.limit);
  load('accept', r.accept);
  if (r.accept?.rps && r.limit?.rps) add('accept', 'accept ÷ limit (requests/s)', pct(r.accept.rps / r.limit.rps), '≥ 70 %');
  if (r.accept?.serverCpuMsPerRequest && r.limit?.serverCpuMsPerRequest) {
    add('accept', 'limit ÷ accept (server CPU per request)', `${((r.limit.serverCpuMsPerRequest / r.accept.serverCpuMsPerRequest) * 100).toFixed(1)} %`);
  }
  openLoop(add, r.accept?.openLoop);
  if (r.bulk?.skipped) add('bulk', 'skipped', r.bulk.skipped);
  else if (r.bulk?.error) add('bulk', 'error', r.bulk.error);
  else if (r.bulk) {
    add('bulk', `${r.bulk.accepted} of ${r.bulk.recipients} recipients: seconds to 202`, r.bulk.secondsTo202);
    add('bulk', 'seconds until all queued (RabbitMQ)', r.bulk.secondsUntilAllQueued);
  }
  drainFloor(add, r.drainFloor);
  if (r.drain?.error) add('drain', 'error', r.drain.error);
  for (const d of Array.isArray(r.drain) ? r.drain : []) {
    const sent = d.timedOut ? `${d.sent} of ${d.messages} (timed out)` : `${d.messages}`;
    const traced = d.tracing ? `, tracing ${d.tracing}` : '';
    const hooked = d.webhooks ? `, webhooks ${d.webhooks}` : '';
    const label = `${sent} msgs, ${d.workers} worker(s) × prefetch ${d.prefetch}, ${d.sandboxLatencyMs} ms Twilio, cap ${d.maxMps || 'off'}${traced}${hooked}`;
    add('drain', `${label}: msgs/s (steady 10–90 %)`, `${d.mps} (${d.steadyMps})`);
    if (d.maxMps) pacing(add, label, d, r.drain);
    else add('drain', `${label}: busiest second`, d.busiestSecond);
    add('drain', `${label}: CPU ms per message, workers / API`, `${d.workerCpuMsPerMessage} / ${d.apiCpuMsPerMessage}`);
    if (d.otlpKiBPerMessage !== undefined) add('drain', `${label}: OTLP export KiB per message`, d.otlpKiBPerMessage);
    if (d.webhookPostsPerMessage !== undefined) add('drain', `${label}: webhook posts received per message, by the run's end`, d.webhookPostsPerMessage);
    if (d.ferretdbCpuMsPerMessage !== undefined) {
      add('drain', `${label}: CPU ms per message, FerretDB / PostgreSQL`, `${d.ferretdbCpuMsPerMessage} / ${d.postgresCpuMsPerMessage}`);
    }
    if (d.storeCommandsPerMessage) {
      const { total, ...byCommand } = d.storeCommandsPerMessage;
      add('drain', `${label}: store requests per message`, `${total} (${Object.entries(byCommand).map(([c, v]) => `${c} ${v}`).join(', ')})`);
    }
  }
  webhookCost(add, Array.isArray(r.drain) ? r.drain : []);
  if (r.e2e?.error) add('e2e', 'error', r.e2e.error);
  else if (r.e2e) {
    add('e2e', `POST at ${r.e2e.targetRps}/s (achieved ${r.e2e.achievedRps}), ${r.e2e.workers} worker(s)`, `${r.e2e.reachedTwilio} of ${r.e2e.posted} reached Twilio`);
    add('e2e', 'POST → Twilio create p50 / p99 / max (ms)', `${r.e2e.e2eP50Ms} / ${r.e2e.e2eP99Ms} / ${r.e2e.e2eMaxMs}`);
    add('e2e', 'POST answer p50 / p99 (ms)', `${r.e2e.acceptP50Ms} / ${r.e2e.acceptP99Ms}`);
  }
  lanes(add, r.lanes);
  return out;
}

/** Priority lanes: the highs' latency through a low drain, and what they cost the drain. */
function lanes(add, l) {
  if (!l) return;
  if (l.error) return add('lanes', 'error', l.error);
  const label = `${l.count} low, cap ${l.maxMps}, ${l.workers} worker(s), ${l.rounds} round(s)`;
  const steady = (runs) => runs.map((run) => `${run.low.steadyMps}${run.timedOut ? ' (timed out)' : ''}`).join(', ');
  add('lanes', `${label}: low drain alone, steady msgs/s per run`, steady(l.alone));
  add('lanes', `${label}: with ${l.highRate} high/s, low steady msgs/s per run`, steady(l.withHighs));
  add('lanes', 'low drain with highs ÷ alone (mean steady rates)', pct(l.lowRateWithHighsOfAlone), '≥ 90 %');
  add('lanes', 'all sends with highs, mean steady msgs/s', l.allSteadyMpsWithHighs, `≤ ${l.maxMps}`);
  add('lanes', `high: ${l.high.reached} of ${l.high.posted} reached Twilio (${l.high.failures} not accepted)`, '');
  add('lanes', 'high POST → Twilio create p50 / p99 / max (ms)', `${l.high.p50Ms} / ${l.high.p99Ms} / ${l.high.maxMs}`, 'p99 < 2000');
  add('lanes', 'high 202 → Twilio create p50 / p99 (ms): the wait after the accept', `${l.high.afterAcceptP50Ms} / ${l.high.afterAcceptP99Ms}`);
}

const pct = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : null);
const times = (ratio) => (Number.isFinite(ratio) ? `× ${ratio.toFixed(2)}` : null);

function openLoop(add, o) {
  if (!o) return;
  const label = `open loop at ${o.targetRps}/s (${o.rateFrom}), ${o.durationS} s`;
  add('accept', `${label}: offered / answered requests/s`, `${o.offeredRps} / ${o.answeredRps}`);
  add('accept', `${label}: latency p50 / p99 / max (ms)`, `${o.p50Ms} / ${o.p99Ms} / ${o.maxMs}`, 'p99 < 50 ms');
  add('accept', `${label}: errors (of ${o.issued})`, o.errors, '0');
  if (o.serverCpuMsPerRequest) add('accept', `${label}: server CPU per request (ms)`, o.serverCpuMsPerRequest);
}

/** Both sides of drain-floor: their own processes' CPU and the store's, per delivered message. */
function drainFloor(add, f) {
  if (!f) return;
  const sides = [['floor', f.floor], ['NotifyX', f.notifyx]];
  for (const [name, x] of sides) {
    const label = `${name}: ${f.messages} msgs, 1 consumer × prefetch ${f.prefetch}, ${f.sandboxLatencyMs} ms Twilio`;
    if (x.error) {
      add('drain-floor', `${label}: error`, x.error);
      continue;
    }
    const sent = x.timedOut ? ` (timed out: ${x.sent} sent, ${x.delivered} delivered)` : '';
    add('drain-floor', `${label}: msgs/s${sent}`, x.mps);
    if (x.lost) add('drain-floor', `${name}: updates the store lost (FerretDB's conditional update is not atomic): not delivered / no SID`, `${x.lost.notDelivered} / ${x.lost.withoutSid} of ${x.lost.of}`);
    const processes = Object.entries(x.cpuMsPerMessage).map(([p, v]) => `${p} ${v}`).join(' + ');
    add('drain-floor', `${name}: own CPU ms per delivered message (${processes})`, x.ownCpuMsPerMessage);
    add('drain-floor', `${name}: CPU ms per delivered message, FerretDB / PostgreSQL`, `${x.ferretdbCpuMsPerMessage} / ${x.postgresCpuMsPerMessage}`);
    if (x.storeCommandsPerMessage) {
      const { total, ...byCommand } = x.storeCommandsPerMessage;
      const target = name === 'NotifyX' ? '≤ 6' : '';
      add('drain-floor', `${name}: store requests per delivered message`, `${total} (${Object.entries(byCommand).map(([c, v]) => `${c} ${v}`).join(', ')})`, target);
    }
    if (x.idleStoreRequestsPerMessage !== undefined) {
      add('drain-floor', `${name}: of which its timers, idle (${x.idleStoreRequestsPerS}/s, measured before the window)`, x.idleStoreRequestsPerMessage);
    }
  }
  add('drain-floor', 'NotifyX ÷ floor, msgs/s', pct(f.ratios.mps), '≥ 70 %');
  add('drain-floor', 'NotifyX ÷ floor, own CPU per delivered message', times(f.ratios.cpuPerMessage), '≤ × 1.50');
}

/** Issue 13, item 8: each uncapped drain with one webhook endpoint receiving every event, beside the same run without. */
function webhookCost(add, runs) {
  for (const on of runs.filter((run) => run.webhooks === 'on' && !run.maxMps)) {
    const off = runs.find((run) => run.webhooks === 'off' && !run.maxMps && run.workers === on.workers && run.tracing === on.tracing);
    if (!off) continue;
    add('drain', `${on.workers} worker(s): msgs/s without / with one webhook endpoint`, `${off.mps} / ${on.mps}`);
    add('drain', `${on.workers} worker(s): with ÷ without a webhook endpoint (msgs/s)`, pct(on.mps / off.mps), '≥ 90 %');
  }
}

/** The capped drain run: how close to the cap, never above it, and whether the cap was below what the drain can do. */
function pacing(add, label, d, runs) {
  add('drain', `${label}: cap from`, d.capFrom ?? 'BENCH_MAX_MPS');
  add('drain', `${label}: achieved ÷ cap`, pct(d.ofCap), '≥ 95 %');
  add('drain', `${label}: busiest second (sends seen at the sandbox)`, d.busiestSecond, `≤ ${d.maxMps}`);
  if (d.secondsAboveCap !== undefined) add('drain', `${label}: sends that end a second above the cap`, d.secondsAboveCap, '0');
  const uncapped = runs.find((run) => !run.maxMps && run.workers === d.workers);
  if (uncapped) {
    const below = uncapped.mps > d.maxMps ? 'the cap is below it' : 'the cap is NOT below it: the ratio measures the drain, not the pacer';
    add('drain', `${label}: uncapped, same workers, this run (msgs/s)`, `${uncapped.mps} (${below})`);
  }
}

function table(report) {
  const all = [['scenario', 'figure', 'value', 'target'], ...rows(report)];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  const lines = [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)];
  const { atStart, atEnd } = report.loadAverage;
  lines.push('', `load average (1/5/15 min) at start ${atStart.join(' ')}, at end ${atEnd.join(' ')}, on ${report.machine.cpus} CPUs`);
  for (const [key, during] of [['acceptProfile', 'accept'], ['bulkProfile', 'the bulk request (until its 202)'],
    ['drainApiProfile', 'the first drain run (status callbacks)'], ['drainFloorApiProfile', "drain-floor's NotifyX window (status callbacks)"]]) {
    const profile = report.results[key];
    if (!profile) continue;
    lines.push('', `API CPU profile during ${during} (${profile.samples} samples, ${profile.durationS.toFixed(1)} s), self time by package:`);
    for (const row of profile.byPackage.slice(0, 10)) lines.push(`  ${row.share.padStart(6)}  ${row.key}`);
  }
  for (const [key, during] of [['drainWorkerProfile', 'the first drain run'], ['drainFloorWorkerProfile', "drain-floor's NotifyX window"]]) {
    const worker = report.results[key];
    if (!worker) continue;
    lines.push('', `Worker CPU profile during ${during} (${worker.samples} samples, ${worker.durationS.toFixed(1)} s), self time by package:`);
    for (const row of worker.byPackage.slice(0, 10)) lines.push(`  ${row.share.padStart(6)}  ${row.key}`);
  }
  return lines.join('\n');
}

module.exports = { table };
