'use strict';
/**
 * Starts and stops what a scenario needs, each with its own database and queue so phases never
 * see each other's messages: the Twilio sandbox (a child process, behind a timing tap in this
 * process), the API (`node <dist>/main.js`) and workers (`node <dist>/worker.js`).
 */
const { spawn } = require('node:child_process');
const { closeSync, mkdirSync, openSync, readFileSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { MongoClient } = require('mongodb');

const ACCOUNT_SID = `AC${'0b'.repeat(16)}`;
const AUTH_TOKEN = 'bench-auth-token';
const API_KEY = 'bench-api-key-with-enough-entropy';

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

/**
 * Forwards the app's Twilio calls to the sandbox and notes when each create arrived, by its Body:
 * the moment "the Twilio call" happens, measured in this process's clock (performance.now()).
 */
class TwilioTap {
  constructor() {
    this.creates = [];
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  }

  async start(target) {
    this.target = new URL(target);
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 30000;
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  forward(req, res) {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && /\/Messages\.json$/.test(req.url)) {
        this.creates.push({ at: performance.now(), body: new URLSearchParams(body.toString('utf8')).get('Body') ?? '' });
      }
      const upstream = http.request({
        host: this.target.hostname, port: this.target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: this.target.host }, agent: this.agent,
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  }

  reset() {
    this.creates = [];
  }

  async close() {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

class Stack {
  /** @param {{dist: string, mongodbUri: string, rabbitmqUrl: string, logDir: string, sandboxLatencyMs: number, logLevel: string}} options */
  constructor(name, options) {
    const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    this.name = name;
    this.options = options;
    this.dbName = `notifyx_bench_${name}_${suffix}`;
    this.queue = `notifyx.bench.${name}.${suffix}`;
    this.workers = [];
  }

  env(extra = {}) {
    return {
      PORT: String(this.port), PUBLIC_BASE_URL: `http://127.0.0.1:${this.port}`,
      MONGODB_URI: `${this.options.mongodbUri}/${this.dbName}`, RABBITMQ_URL: this.options.rabbitmqUrl,
      RABBITMQ_SMS_QUEUE: this.queue, API_KEYS: API_KEY,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: '+15005550006',
      TWILIO_API_BASE_URL: this.tap.url, LOG_LEVEL: this.options.logLevel,
      // The benchmark measures capacity, not the per-key rate limits; bulk bodies exceed the 256 kb default.
      THROTTLE_LIMIT: '100000000', THROTTLE_BURST_LIMIT: '100000000', HTTP_BODY_LIMIT: '4mb',
      ...this.options.env, ...extra,
    };
  }

  /** Sandbox (behind the tap) and API; workers come later, when the scenario wants them. */
  async start({ apiNodeArgs = [], env = {} } = {}) {
    const { dist, logDir, sandboxLatencyMs } = this.options;
    this.port = await freePort();
    const sandboxPort = await freePort();
    this.sandbox = startNode(`${this.name}-sandbox`, [join(dist, 'twilio-sandbox', 'main.js')], {
      TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_SANDBOX_PORT: String(sandboxPort),
      TWILIO_SANDBOX_LATENCY_MS: String(sandboxLatencyMs),
    }, logDir);
    await waitUntil('the Twilio sandbox', async () => (await getStatus(`http://127.0.0.1:${sandboxPort}/__sandbox/health`)) === 200);
    this.tap = await new TwilioTap().start(`http://127.0.0.1:${sandboxPort}`);
    this.extraEnv = env;
    this.apiStartedAt = performance.now();
    this.api = startNode(`${this.name}-api`, [...apiNodeArgs, join(dist, 'main.js')], this.env(env), logDir);
    this.baseUrl = `http://127.0.0.1:${this.port}`;
    await waitUntil('the API /health', async () => {
      if (this.api.child.exitCode !== null) throw new Fatal(`the API exited with code ${this.api.child.exitCode} (see ${this.name}-api.log)`);
      return (await getStatus(`${this.baseUrl}/health`)) === 200;
    }, 60000, 250);
    return this;
  }

  async startWorkers(count, env = {}, nodeArgs = []) {
    for (let i = 0; i < count; i += 1) {
      this.workers.push(startNode(`${this.name}-worker${this.workers.length + 1}`, [...nodeArgs, join(this.options.dist, 'worker.js')],
        this.env({ ...this.extraEnv, ...env }), this.options.logDir));
    }
    await waitUntil(`${this.workers.length} consumers on ${this.queue}`, async () => (await this.queueStats()).consumerCount >= this.workers.length, 60000, 100);
  }

  /** `signal`: SIGUSR2 ends workers started with --cpu-prof (exit-on-signal.js) so they write their profile. */
  async stopWorkers(signal = 'SIGTERM') {
    await Promise.all(this.workers.map((worker) => worker.stop(signal)));
    this.workers = [];
  }

  /** Ready messages and consumers, straight from RabbitMQ. */
  async queueStats() {
    this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
    const channel = await this.amqp.createChannel();
    channel.on('error', () => undefined);
    try {
      return await channel.checkQueue(this.queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Drops the commands still queued (a drain run that timed out), so the next run starts empty. */
  async purge() {
    this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
    const channel = await this.amqp.createChannel();
    try {
      await channel.purgeQueue(this.queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async stop() {
    await this.stopWorkers();
    await this.api?.stop('SIGTERM');
    await this.sandbox?.stop('SIGTERM');
    await this.tap?.close();
    await this.cleanUp();
  }

  async cleanUp() {
    try {
      const mongo = await new MongoClient(this.options.mongodbUri).connect();
      await mongo.db(this.dbName).dropDatabase();
      await mongo.close();
    } catch (error) {
      process.stderr.write(`[bench] could not drop ${this.dbName}: ${error.message}\n`);
    }
    try {
      this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
      const channel = await this.amqp.createChannel();
      channel.on('error', () => undefined);
      for (const suffix of ['', '.dead', ...Array.from({ length: 21 }, (_, i) => `.retry.${i}`)]) {
        await channel.deleteQueue(`${this.queue}${suffix}`).catch(() => undefined);
      }
      await this.amqp.close();
    } catch (error) {
      process.stderr.write(`[bench] could not delete the queues of ${this.queue}: ${error.message}\n`);
    }
    this.amqp = undefined;
  }
}

/** Node arguments that CPU-profile a process into `dir` and let SIGUSR2 end it with its profile written. */
function cpuProfileArgs(dir) {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-r', join(__dirname, 'exit-on-signal.js')];
}

module.exports = { Stack, Fatal, API_KEY, startNode, waitUntil, freePort, getStatus, cpuSeconds, cpuProfileArgs };
