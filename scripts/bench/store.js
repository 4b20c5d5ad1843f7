'use strict';
/**
 * A FerretDB of the benchmark's own, when no BENCH_MONGODB_URI is given. The shared one that
 * scripts/services.sh starts also serves every test run on the machine; its connection pool is
 * then the queue everything waits in, and the figures would measure the neighbours. Same cached
 * binary, same PostgreSQL (its own database); like services.sh, no SQLite (it fails under load).
 */
const { execFileSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, openSync, readdirSync, readFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const { join } = require('node:path');
const { cpuSeconds, freePort, waitUntil } = require('./processes');

/** CPU seconds used so far by the PostgreSQL server's processes (its backends serve FerretDB). */
function postgresCpuSeconds() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(pid) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const VERSION = 'v1.24.2';
const PG_DATABASE = 'notifyx_bench_store';

function ferretdbBinary() {
  const cache = process.env.XDG_CACHE_HOME ?? join(os.homedir(), '.cache');
  const bin = process.env.FERRETDB_BIN ?? join(cache, 'notifyx', `ferretdb-${VERSION}`);
  return existsSync(bin) ? bin : undefined;
}

function psql(sql, database = 'postgres') {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-tAc', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** Same choice as scripts/services.sh: PostgreSQL when it answers, with commits not waiting for the disk. */
function backendArgs() {
  try {
    if (psql('select 1') === '1') {
      if (psql(`select 1 from pg_database where datname = '${PG_DATABASE}'`) !== '1') psql(`create database ${PG_DATABASE}`);
      psql(`alter database ${PG_DATABASE} set synchronous_commit = off`);
      psql(`alter database ${PG_DATABASE} set plan_cache_mode = force_custom_plan`);
      // Indexes FerretDB's lookups can use (see the file): without them every find scans its table.
      execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', PG_DATABASE, '-v', 'ON_ERROR_STOP=1', '-q', '-f', join(__dirname, '..', 'ferretdb-pg-indexes.sql')], { stdio: 'ignore' });
      return { args: ['--handler=pg', `--postgresql-url=postgres://postgres@127.0.0.1:5432/${PG_DATABASE}`], backend: 'postgresql' };
    }
  } catch {
    // no PostgreSQL here
  }
  throw new Error('the bench store needs PostgreSQL on 127.0.0.1:5432 (user postgres): apt-get install postgresql, or set BENCH_MONGODB_URI');
}

const portOpen = (port) => new Promise((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket.end() && true));
  socket.on('error', () => resolve(false));
});

/** Resolves {uri, backend, stop()}, or undefined when no FerretDB binary is cached (use the shared store then). */
async function startPrivateStore(workDir) {
  const bin = ferretdbBinary();
  if (!bin) return undefined;
  const port = await freePort();
  const debugPort = await freePort();
  const { args, backend } = backendArgs();
  mkdirSync(workDir, { recursive: true });
  const log = openSync(join(workDir, 'ferretdb.log'), 'a');
  const child = spawn(bin, [...args, `--state-dir=${workDir}`, `--listen-addr=127.0.0.1:${port}`, '--telemetry=disable',
    `--debug-addr=127.0.0.1:${debugPort}`, '--log-level=warn'], { stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil(`FerretDB on port ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`FerretDB exited (see ${workDir}/ferretdb.log)`);
    return portOpen(port);
  }, 30000, 200);
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    backend,
    /** Requests FerretDB has served so far, by command (find, insert, …), from its debug metrics. */
    async commands() {
      const text = await (await fetch(`http://127.0.0.1:${debugPort}/debug/metrics`)).text();
      const counts = {};
      for (const [, command, count] of text.matchAll(/^ferretdb_client_requests_total\{command="(\w+)"[^}]*\} (\d+)$/gm)) {
        counts[command] = (counts[command] ?? 0) + Number(count);
      }
      return counts;
    },
    /** CPU seconds FerretDB has used so far, and PostgreSQL under it (all of its processes on this machine). */
    cpuSeconds() {
      return { ferretdb: cpuSeconds(child.pid) ?? NaN, postgres: backend === 'postgresql' ? postgresCpuSeconds() : 0 };
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

module.exports = { startPrivateStore };
