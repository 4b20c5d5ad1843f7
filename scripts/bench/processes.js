'use strict';
/** Child processes of the benchmark, their CPU time from /proc, and waiting for things to be ready. */
const { spawn } = require('node:child_process');
const { closeSync, mkdirSync, openSync, readFileSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const TICKS_PER_SECOND = 100; // USER_HZ on Linux (getconf CLK_TCK)

/** CPU seconds (user + system) a process has used so far; undefined off Linux. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

async function freePort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Thrown by a waitUntil check that knows the wait is hopeless (the process it waits for is gone). */
class Fatal extends Error {}

async function waitUntil(what, check, timeoutMs = 60000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      if (error instanceof Fatal) throw error;
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function getStatus(url) {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(0));
    request.setTimeout(2000, () => request.destroy());
  });
}

/** A child node process whose output goes to a log file; stop() sends SIGTERM (then SIGKILL). */
function startNode(name, args, env, logDir) {
  mkdirSync(logDir, { recursive: true });
  // The child writes its logs straight into the file: piping them through this process would make
  // its log writes wait on the benchmark's own event loop.
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Node arguments that CPU-profile a process into `dir` and let SIGUSR2 end it with its profile written. */
function cpuProfileArgs(dir) {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-r', join(__dirname, 'exit-on-signal.js')];
}

module.exports = { Fatal, cpuSeconds, freePort, waitUntil, getStatus, startNode, cpuProfileArgs };
