import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { startTwilioSandbox, TwilioSandbox } from '../../src/twilio-sandbox/sandbox-server';
import type { RabbitSettings } from '../../src/config/app-config';
import { EnvDto, type RabbitQueueType } from '../../src/config/env.validation';
import { connectToBroker } from '../../src/queue/broker-connection';
import { testServiceUrls } from './services';
import { waitFor } from './wait-for';
import { dropAfterRun } from './test-databases';

export const TEST_ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789';
export const TEST_API_KEY = 'test-api-key-with-enough-entropy';
export const TEST_FROM = '+15005550006';
/**
 * Each process a spec starts keeps at most this many store connections, so the handful a spec runs
 * stay under the local FerretDB's pool (scripts/services.sh, with_pool_size: a FerretDB whose pool is
 * all held while it creates a collection stops answering).
 */
const TEST_DRIVER_POOL = 16;

export interface RunningSystem {
  api: INestApplication;
  worker?: INestMicroservice;
  sandbox: TwilioSandbox;
  http: () => TestAgent;
  baseUrl: string;
  dbName: string;
  queue: string;
  env: Record<string, string>;
  mongo: MongoClient;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Boots the real API and worker (the same bootstrap as production) on the real RabbitMQ and
 * MongoDB-compatible store, with the real twilio SDK talking to an in-process sandbox. Each test
 * file gets its own database and queue, so files never see each other's messages.
 */
export interface SystemOptions {
  worker?: boolean;
  env?: Record<string, string>;
  /** Where the app reaches MongoDB (e.g. through a TcpProxy); the test itself always goes direct. */
  mongodbUri?: string;
  /** How long the Twilio sandbox takes to answer a send. */
  sandboxLatencyMs?: number;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const suffix = randomBytes(4).toString('hex');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { mongodbUri, rabbitmqUrl } = testServiceUrls();
  const sandbox = await startTwilioSandbox({
    accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, callbackDelayMs: 20, latencyMs: options.sandboxLatencyMs,
    inboundWebhookUrl: `${baseUrl}/v1/webhooks/twilio/inbound`,
  });
  const dbName = `notifyx_test_${suffix}`;
  const queue = `notifyx.test.${suffix}`;
  const env: Record<string, string> = {
    PORT: String(port), PUBLIC_BASE_URL: baseUrl, MONGODB_URI: `${options.mongodbUri ?? mongodbUri}/${dbName}?maxPoolSize=${TEST_DRIVER_POOL}`, RABBITMQ_URL: rabbitmqUrl,
    RABBITMQ_SMS_QUEUE: queue, SMS_PREFETCH: '10', TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN, TWILIO_PHONE_NUMBER: TEST_FROM, TWILIO_API_BASE_URL: sandbox.url,
    TWILIO_SANDBOX: 'true',
    DEFAULT_COUNTRY: 'BR', API_KEYS: TEST_API_KEY, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests poll; rate limits have their own specs that set them low.
    THROTTLE_LIMIT: '1000000', THROTTLE_BURST_LIMIT: '1000000', WEBHOOK_THROTTLE_LIMIT: '1000000',
    // Specs send to Twilio's magic numbers (+1500555…, personal numbers), abroad and to one number
    // many times; the send policy has its own spec (send-policy.e2e-spec.ts) that sets these.
    ALLOWED_COUNTRIES: '*', ALLOWED_NUMBER_TYPES: '*', RECIPIENT_HOURLY_LIMIT: '0',
    // Status events and the webhook queue bound to them, per file too: a shared durable webhook
    // queue would collect every file's events, and one file's API would deliver another's.
    EVENTS_EXCHANGE: `${queue}.events`,
    ...options.env,
  };
  Object.assign(process.env, env);
  // Imported only now: ConfigModule.forRoot validates process.env when its module is first loaded.
  const { createApiApp, createWorkerApp } = await import('../../src/bootstrap');
  const api = await createApiApp();
  await api.listen(port, '127.0.0.1');
  const worker = options.worker === false ? undefined : await createWorkerApp();
  await worker?.listen();
  const mongo = await new MongoClient(mongodbUri).connect();
  const system: RunningSystem = {
    api, worker, sandbox, baseUrl, dbName, queue, env, mongo,
    http: () => request(api.getHttpServer()),
    close: async () => {
      // A test may have replaced the worker: close the one the system holds now.
      await system.worker?.close();
      await api.close();
      await sandbox.close();
      dropAfterRun(dbName);
      await mongo.close();
      const attempts = Number(env.SMS_MAX_ATTEMPTS ?? new EnvDto().SMS_MAX_ATTEMPTS);
      // Every lane's queue and delay queues (the high and low lanes beside the send queue), and the events' queues.
      const lanes = [queue, `${queue}.high`, `${queue}.low`];
      await deleteQueues(env.RABBITMQ_URL.split(','), [
        ...lanes, `${queue}.dead`, ...lanes.flatMap((lane) => retryQueues(lane, attempts)), ...webhookQueues(env),
      ], env.EVENTS_EXCHANGE);
    },
  };
  return system;
}

/** A bulk send's messages are written out after its 202: resolves once `count` of the batch's are stored. */
export async function batchWrittenOut(system: RunningSystem, batchId: string, count: number, timeoutMs?: number, intervalMs?: number): Promise<void> {
  const messages = system.mongo.db(system.dbName).collection('messages');
  await waitFor(`batch ${batchId} written out`, async () => (await messages.countDocuments({ batchId })) === count, timeoutMs, intervalMs);
}

async function deleteQueues(urls: string[], queues: string[], exchange?: string): Promise<void> {
  const connection = await connectToBroker(urls);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue);
  if (exchange) await channel.deleteExchange(exchange);
  await connection.close();
}

/** The webhook queue and its delay queues, as the API declares them from these settings. */
function webhookQueues(env: Record<string, string>): string[] {
  const defaults = new EnvDto();
  const queue = env.WEBHOOK_QUEUE || `${env.EVENTS_EXCHANGE}.webhooks`;
  const attempts = Number(env.WEBHOOK_MAX_ATTEMPTS ?? defaults.WEBHOOK_MAX_ATTEMPTS);
  return [queue, `${queue}.dead`, ...Array.from({ length: attempts - 1 }, (_, index) => `${queue}.retry.${index + 1}`)];
}

/** The delay queues the app declares beside `queue`, one per attempt (as QueueInspector lists them). */
export function retryQueues(queue: string, maxAttempts: number): string[] {
  return Array.from({ length: Math.max(maxAttempts, 2) }, (_, level) => `${queue}.retry.${level}`);
}

/** The RabbitMQ settings the system's processes run with, to declare its queues exactly as they do. */
export function rabbitSettingsOf(system: Pick<RunningSystem, 'env' | 'queue'>): RabbitSettings {
  const { env, queue } = system;
  return {
    urls: env.RABBITMQ_URL.split(','), queue, deadLetterQueue: `${queue}.dead`, prefetch: Number(env.SMS_PREFETCH),
    queueType: (env.RABBITMQ_QUEUE_TYPE ?? 'classic') as RabbitQueueType,
  };
}
