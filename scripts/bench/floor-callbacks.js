'use strict';
/**
 * The floor under the API's status callbacks: a bare node:http server that checks Twilio's
 * signature (as the API must; the SDK's validateRequest, as the API uses) and records the
 * reported status with one conditional update, so a status never moves backwards. Answers 204,
 * as the API does; GET /__floor/recorded says how many it has recorded, by status. Started by
 * the benchmark as a child process beside floor-consumer.js.
 *
 * Env: PORT, MONGODB_URI (with database), TWILIO_AUTH_TOKEN.
 */
const http = require('node:http');
const { MongoClient, ObjectId } = require('mongodb');
const { validateRequest } = require('twilio');

/** The statuses each reported one may follow: `sent` only from `sending`, the final ones from either. */
const FOLLOWS = { sent: ['sending'], delivered: ['sending', 'sent'], undelivered: ['sending', 'sent'], failed: ['sending', 'sent'] };

/** Callbacks recorded so far, by status: the bench's end of the window (asking the store would add requests). */
const recorded = {};

async function record(messages, messageId, status) {
  const at = new Date();
  await messages.updateOne({ _id: new ObjectId(messageId), status: { $in: FOLLOWS[status] } },
    { $set: { status, updatedAt: at }, $push: { history: { status, at } } });
  recorded[status] = (recorded[status] ?? 0) + 1;
}

async function main() {
  const env = process.env;
  const mongo = await new MongoClient(env.MONGODB_URI).connect();
  const messages = mongo.db().collection('messages');
  const origin = `http://127.0.0.1:${env.PORT}`;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url === '/__floor/recorded') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(recorded));
      try {
        const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
        const url = new URL(req.url, origin);
        if (!validateRequest(env.TWILIO_AUTH_TOKEN, req.headers['x-twilio-signature'] ?? '', url.href, params)) {
          return res.writeHead(403).end();
        }
        const messageId = url.searchParams.get('messageId');
        const status = params.MessageStatus;
        if (FOLLOWS[status] && ObjectId.isValid(messageId ?? '')) await record(messages, messageId, status);
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write('floor callback server ready\n'));
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(async () => {
      await mongo.close();
      process.exit(0);
    });
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
