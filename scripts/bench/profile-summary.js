'use strict';
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): where the samples landed, by function (self
 * time) and by package (self time of every frame from node_modules/<package>, or node: internals).
 *
 * Usage: node scripts/bench/profile-summary.js FILE.cpuprofile [TOP] [FROM_S] [TO_S]
 */
const { readFileSync } = require('node:fs');

function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node: internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (/\/dist\//.test(url)) return 'notifyx (dist)';
  return url.replace(/^file:\/\//, '');
}

/** `window`: seconds after the profile started ({fromS, toS}); start-up and warm-up fall outside it. */
function summarise(file, top = 25, window = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfSamples = new Map();
  const fromUs = (window.fromS ?? 0) * 1e6;
  const toUs = (window.toS ?? Infinity) * 1e6;
  let at = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (at < fromUs || at > toUs) return;
    selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
    total += 1;
  });
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, count] of selfSamples) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${lineNumber + 1}` : '';
    const key = where ? `${name}  ${where}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + count);
  }
  const rows = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([key, count]) => ({ share: `${((count / total) * 100).toFixed(1)}%`, samples: count, key }));
  const durationS = (Math.min(toUs, profile.endTime - profile.startTime) - fromUs) / 1e6;
  return { file, durationS, samples: total, byPackage: rows(byPackage), byFunction: rows(byFunction) };
}

if (require.main === module) {
  const [file, top, fromS, toS] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node scripts/bench/profile-summary.js FILE.cpuprofile [TOP] [FROM_S] [TO_S]\n');
    process.exit(2);
  }
  const summary = summarise(file, Number(top ?? 25), { fromS: fromS && Number(fromS), toS: toS && Number(toS) });
  process.stdout.write(`${summary.file}: ${summary.samples} samples over ${summary.durationS.toFixed(1)} s\n\nBy package (self time):\n`);
  for (const row of summary.byPackage) process.stdout.write(`  ${row.share.padStart(6)}  ${row.key}\n`);
  process.stdout.write('\nBy function (self time):\n');
  for (const row of summary.byFunction) process.stdout.write(`  ${row.share.padStart(6)}  ${row.key}\n`);
}

module.exports = { summarise };
