'use strict';
/** The benchmark's figures as a plain-text table. */

function rows(report) {
  const { results: r, settings: s } = report;
  const out = [];
  const add = (scenario, figure, value) => out.push([scenario, figure, value === null || value === undefined ? '–' : String(value)]);
  const load = (name, x) => {
    if (!x) return;
    if (x.error) return add(name, 'error', x.error);
    add(name, `requests/s (${s.connections} connections, ${x.durationS} s)`, x.rps);
    add(name, 'latency p50 / p99 / max (ms)', `${x.p50Ms} / ${x.p99Ms} / ${x.maxMs}`);
    add(name, 'errors / non-2xx', `${x.errors} / ${x.non2xx}`);
    add(name, 'server CPU per request (ms)', x.serverCpuMsPerRequest);
  };
  load('limit', r.limit);
  load('accept', r.accept);
  if (r.accept?.rps && r.limit?.rps) add('accept', 'accept ÷ limit (requests/s)', `${((r.accept.rps / r.limit.rps) * 100).toFixed(1)} %`);
  if (r.accept?.serverCpuMsPerRequest && r.limit?.serverCpuMsPerRequest) {
    add('accept', 'limit ÷ accept (server CPU per request)', `${((r.limit.serverCpuMsPerRequest / r.accept.serverCpuMsPerRequest) * 100).toFixed(1)} %`);
  }
  if (r.bulk?.skipped) add('bulk', 'skipped', r.bulk.skipped);
  else if (r.bulk?.error) add('bulk', 'error', r.bulk.error);
  else if (r.bulk) {
    add('bulk', `${r.bulk.accepted} of ${r.bulk.recipients} recipients: seconds to 202`, r.bulk.secondsTo202);
    add('bulk', 'seconds until all queued (RabbitMQ)', r.bulk.secondsUntilAllQueued);
  }
  if (r.drain?.error) add('drain', 'error', r.drain.error);
  for (const d of Array.isArray(r.drain) ? r.drain : []) {
    const sent = d.timedOut ? `${d.sent} of ${d.messages} (timed out)` : `${d.messages}`;
    const label = `${sent} msgs, ${d.workers} worker(s) × prefetch ${d.prefetch}, ${d.sandboxLatencyMs} ms Twilio, cap ${d.maxMps || 'off'}`;
    add('drain', `${label}: msgs/s (steady 10–90 %)`, `${d.mps} (${d.steadyMps})`);
    add('drain', `${label}: busiest second${d.maxMps ? ' / of cap' : ''}`, d.maxMps ? `${d.busiestSecond} / ${(d.ofCap * 100).toFixed(1)} %` : d.busiestSecond);
    add('drain', `${label}: CPU ms per message, workers / API`, `${d.workerCpuMsPerMessage} / ${d.apiCpuMsPerMessage}`);
    if (d.ferretdbCpuMsPerMessage !== undefined) {
      add('drain', `${label}: CPU ms per message, FerretDB / PostgreSQL`, `${d.ferretdbCpuMsPerMessage} / ${d.postgresCpuMsPerMessage}`);
    }
    if (d.storeCommandsPerMessage) {
      const { total, ...byCommand } = d.storeCommandsPerMessage;
      add('drain', `${label}: store requests per message`, `${total} (${Object.entries(byCommand).map(([c, v]) => `${c} ${v}`).join(', ')})`);
    }
  }
  if (r.e2e?.error) add('e2e', 'error', r.e2e.error);
  else if (r.e2e) {
    add('e2e', `POST at ${r.e2e.targetRps}/s (achieved ${r.e2e.achievedRps}), ${r.e2e.workers} worker(s)`, `${r.e2e.reachedTwilio} of ${r.e2e.posted} reached Twilio`);
    add('e2e', 'POST → Twilio create p50 / p99 / max (ms)', `${r.e2e.e2eP50Ms} / ${r.e2e.e2eP99Ms} / ${r.e2e.e2eMaxMs}`);
    add('e2e', 'POST answer p50 / p99 (ms)', `${r.e2e.acceptP50Ms} / ${r.e2e.acceptP99Ms}`);
  }
  return out;
}

function table(report) {
  const all = [['scenario', 'figure', 'value'], ...rows(report)];
  const widths = [0, 1, 2].map((i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  const lines = [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)];
  const { atStart, atEnd } = report.loadAverage;
  lines.push('', `load average (1/5/15 min) at start ${atStart.join(' ')}, at end ${atEnd.join(' ')}, on ${report.machine.cpus} CPUs`);
  for (const [key, during] of [['acceptProfile', 'accept'], ['bulkProfile', 'the bulk request (until its 202)'],
    ['drainApiProfile', 'the first drain run (status callbacks)']]) {
    const profile = report.results[key];
    if (!profile) continue;
    lines.push('', `API CPU profile during ${during} (${profile.samples} samples, ${profile.durationS.toFixed(1)} s), self time by package:`);
    for (const row of profile.byPackage.slice(0, 10)) lines.push(`  ${row.share.padStart(6)}  ${row.key}`);
  }
  const worker = report.results.drainWorkerProfile;
  if (worker) {
    lines.push('', `Worker CPU profile during the first drain run (${worker.samples} samples, ${worker.durationS.toFixed(1)} s), self time by package:`);
    for (const row of worker.byPackage.slice(0, 10)) lines.push(`  ${row.share.padStart(6)}  ${row.key}`);
  }
  return lines.join('\n');
}

module.exports = { table };
