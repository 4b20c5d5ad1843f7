'use strict';
/**
 * Starts and stops what a scenario needs, each with its own database and queue so phases never
 * see each other's messages: the Twilio sandbox (a child process, behind a timing tap in this
 * process), the API (`node <dist>/main.js`) and workers (`node <dist>/worker.js`).
 */
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const amqp = require('amqplib');
const { MongoClient } = require('mongodb');
const { Fatal, freePort, getStatus, startNode, waitUntil } = require('./processes');
const { ACCOUNT_SID, AUTH_TOKEN, FROM, startTwilio } = require('./twilio');

const API_KEY = 'bench-api-key-with-enough-entropy';
/** How long the stack's database drop may take at the end of a scenario (see cleanUp). */
const DROP_WAIT_MS = 30000;

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
      TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: FROM,
      TWILIO_API_BASE_URL: this.tap.url, TWILIO_SANDBOX: 'true', LOG_LEVEL: this.options.logLevel,
      // Each stack's own events exchange and webhook queue, deleted with it.
      EVENTS_EXCHANGE: `${this.queue}.events`,
      // The benchmark measures capacity, not the per-key rate limits; bulk bodies exceed the 256 kb default.
      THROTTLE_LIMIT: '100000000', THROTTLE_BURST_LIMIT: '100000000', WEBHOOK_THROTTLE_LIMIT: '100000000', HTTP_BODY_LIMIT: '4mb',
      ...this.options.env, ...extra,
    };
  }

  /** Sandbox (behind the tap) and API; workers come later, when the scenario wants them. */
  async start({ apiNodeArgs = [], env = {} } = {}) {
    const { dist, logDir, sandboxLatencyMs } = this.options;
    this.port = await freePort();
    this.twilio = await startTwilio(this.name, { dist, logDir, latencyMs: sandboxLatencyMs });
    this.tap = this.twilio.tap;
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

  /** Ready messages and consumers of the send queue (or `queue`, e.g. a lane's), straight from RabbitMQ. */
  async queueStats(queue = this.queue) {
    this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
    const channel = await this.amqp.createChannel();
    channel.on('error', () => undefined);
    try {
      return await channel.checkQueue(queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Drops the commands still queued (a drain run that timed out), so the next run starts empty. */
  async purge(queue = this.queue) {
    this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
    const channel = await this.amqp.createChannel();
    try {
      await channel.purgeQueue(queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async stop() {
    await this.stopWorkers();
    await this.api?.stop('SIGTERM');
    await this.twilio?.stop();
    await this.cleanUp();
  }

  async cleanUp() {
    try {
      const mongo = await new MongoClient(this.options.mongodbUri).connect();
      // FerretDB 1.24 can leave a query of a client that went away open on PostgreSQL (a backend
      // waiting to write rows nobody reads: pg_stat_activity, wait event ClientWrite), and the drop then
      // waits for its lock for good. Seen after 10,000-message lanes runs: the figures are taken by then.
      const dropped = await Promise.race([
        mongo.db(this.dbName).dropDatabase().then(() => true),
        sleep(DROP_WAIT_MS, false, { ref: false }),
      ]);
      if (!dropped) process.stderr.write(`[bench] ${this.dbName} not dropped within ${DROP_WAIT_MS / 1000} s (a FerretDB query still open on it); left behind\n`);
      await mongo.close(true);
    } catch (error) {
      process.stderr.write(`[bench] could not drop ${this.dbName}: ${error.message}\n`);
    }
    try {
      this.amqp ??= await amqp.connect(this.options.rabbitmqUrl);
      const channel = await this.amqp.createChannel();
      channel.on('error', () => undefined);
      // Every lane's queue and delay queues (src/queue/sms-topology.ts), and the dead letters.
      for (const lane of ['', '.high', '.low']) {
        for (const suffix of ['', ...Array.from({ length: 21 }, (_, i) => `.retry.${i}`)]) {
          await channel.deleteQueue(`${this.queue}${lane}${suffix}`).catch(() => undefined);
        }
      }
      await channel.deleteQueue(`${this.queue}.dead`).catch(() => undefined);
      for (const suffix of ['', '.dead', ...Array.from({ length: 30 }, (_, i) => `.retry.${i + 1}`)]) {
        await channel.deleteQueue(`${this.queue}.events.webhooks${suffix}`).catch(() => undefined);
      }
      await channel.deleteExchange(`${this.queue}.events`).catch(() => undefined);
      await this.amqp.close();
    } catch (error) {
      process.stderr.write(`[bench] could not delete the queues of ${this.queue}: ${error.message}\n`);
    }
    this.amqp = undefined;
  }
}

module.exports = { Stack, API_KEY };
