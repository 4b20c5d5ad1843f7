'use strict';
/**
 * The floor under the worker: a bare amqplib consumer doing only what a send must do, with plain
 * MongoDB-driver calls. Per command: claim the message (`queued → sending`, one conditional
 * update that returns it), create it at Twilio through the real SDK with a status callback to
 * floor-callbacks.js, record `sent` with the SID (one conditional update), ack. No framework,
 * lease, audit, pacing, blocklist or logging. The conditional updates keep a status from moving
 * backwards on MongoDB, where each is atomic; FerretDB applies them as read-then-write, so there a
 * racing callback can be lost (the bench counts such messages). Started by the benchmark.
 *
 * Env: MONGODB_URI (with database), RABBITMQ_URL, QUEUE, PREFETCH, TWILIO_ACCOUNT_SID,
 * TWILIO_AUTH_TOKEN, TWILIO_API_BASE_URL, TWILIO_PHONE_NUMBER, CALLBACK_URL.
 */
const http = require('node:http');
const amqp = require('amqplib');
const { MongoClient, ObjectId } = require('mongodb');
const twilio = require('twilio');
const RequestClient = require('twilio/lib/base/RequestClient');

const TWILIO_ORIGIN = /^https:\/\/(?:[a-z0-9-]+\.)*twilio\.com(?::\d+)?(?=[/?#]|$)/i;

/** As src/sms/twilio-request-client.ts: the SDK's own client, its Twilio origin swapped for the sandbox's. */
class BaseUrlRequestClient extends RequestClient {
  constructor(baseUrl, options) {
    super(options);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // The SDK's pool size for api.twilio.com (20), as the app gives its plain-http sandbox agent.
    this.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  }

  request(opts) {
    return super.request({ ...opts, uri: opts.uri.replace(TWILIO_ORIGIN, this.baseUrl) });
  }
}

/** One command: four store requests with the callbacks, two of them here. */
async function send(messages, client, env, messageId) {
  const _id = new ObjectId(messageId);
  const claimedAt = new Date();
  const message = await messages.findOneAndUpdate(
    { _id, status: 'queued' },
    { $set: { status: 'sending', updatedAt: claimedAt }, $inc: { attempts: 1 }, $push: { history: { status: 'sending', at: claimedAt } } },
    // No projection: FerretDB does not implement one on findAndModify.
    { returnDocument: 'after' },
  );
  // Already claimed (a redelivered command): nothing to do.
  if (!message) return;
  let created;
  try {
    created = await client.messages.create({
      to: message.to, body: message.body, from: env.TWILIO_PHONE_NUMBER, statusCallback: `${env.CALLBACK_URL}?messageId=${messageId}`,
    });
  } catch (error) {
    const at = new Date();
    await messages.updateOne({ _id, status: 'sending' },
      { $set: { status: 'failed', errorMessage: String(error.message), updatedAt: at }, $push: { history: { status: 'failed', at } } });
    return;
  }
  const at = new Date();
  const recorded = await messages.updateOne({ _id, status: 'sending' },
    { $set: { status: 'sent', twilioSid: created.sid, updatedAt: at }, $push: { history: { status: 'sent', at } } });
  // A callback got there first and moved the status on: the SID still belongs on the message.
  if (recorded.matchedCount === 0) await messages.updateOne({ _id }, { $set: { twilioSid: created.sid } });
}

async function main() {
  const env = process.env;
  const mongo = await new MongoClient(env.MONGODB_URI).connect();
  const messages = mongo.db().collection('messages');
  const client = twilio(env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN, {
    httpClient: new BaseUrlRequestClient(env.TWILIO_API_BASE_URL, { timeout: 15000 }),
  });
  const connection = await amqp.connect(env.RABBITMQ_URL);
  const channel = await connection.createChannel();
  const queue = env.QUEUE;
  // NotifyX's queue: durable, rejected commands dead-lettered to `<queue>.dead`.
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dead` } });
  await channel.prefetch(Number(env.PREFETCH));
  const { consumerTag } = await channel.consume(queue, (delivery) => {
    const { data } = JSON.parse(delivery.content.toString('utf8'));
    send(messages, client, env, data.messageId).then(
      () => channel.ack(delivery),
      (error) => {
        process.stderr.write(`send ${data.messageId} failed: ${error.stack}\n`);
        channel.nack(delivery, false, false);
      },
    );
  });
  process.stdout.write('floor consumer ready\n');
  process.once('SIGTERM', async () => {
    await channel.cancel(consumerTag).catch(() => undefined);
    await connection.close().catch(() => undefined);
    await mongo.close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
