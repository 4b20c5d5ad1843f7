'use strict';
/**
 * The floor under POST /v1/messages: a bare node:http server doing only what acceptance must do
 * at minimum, one insert with the MongoDB driver and one publish the broker confirms, then 202.
 * No framework, validation, auth, audit or logging. Started by the benchmark as a child process.
 *
 * Env: PORT, MONGODB_URI (with database), RABBITMQ_URL, QUEUE.
 */
const http = require('node:http');
const amqp = require('amqplib');
const { MongoClient, ObjectId } = require('mongodb');

async function main() {
  const mongo = await new MongoClient(process.env.MONGODB_URI).connect();
  // Created up front, as the app's indexes are at its start: no DDL inside the measured window.
  await mongo.db().createCollection('messages').catch(() => undefined);
  const messages = mongo.db().collection('messages');
  const connection = await amqp.connect(process.env.RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  const queue = process.env.QUEUE;
  await channel.assertQueue(queue, { durable: true });

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const { to, body } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const now = new Date();
        const _id = new ObjectId();
        // A document of the same shape and size as a stored message.
        await messages.insertOne({
          _id, to, from: null, body, segments: 1, encoding: 'GSM-7', status: 'queued',
          history: [{ status: 'queued', at: now }], attempts: 0, createdBy: 'apikey:bench', createdAt: now, updatedAt: now,
        });
        const command = Buffer.from(JSON.stringify({ pattern: 'sms.send', data: { messageId: _id.toHexString() } }));
        await new Promise((resolve, reject) =>
          channel.sendToQueue(queue, command, { persistent: true }, (error) => (error ? reject(error) : resolve())));
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: _id.toHexString(), status: 'queued' }));
      } catch (error) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
      }
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('bare limit server ready\n'));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(async () => {
      await connection.close().catch(() => undefined);
      await mongo.close();
      process.exit(0);
    });
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
