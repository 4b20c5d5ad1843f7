'use strict';
/**
 * The webhook receiver of the drain's `webhooks on` runs (issue 13, item 8): a bare node:http
 * server that answers every post 204 and counts them by event type; GET /__stats says how many.
 * A child process of its own: in the bench's process it would share the event loop of the Twilio
 * timing tap, and slow the very sends the drain measures.
 */
const http = require('node:http');
const { freePort, startNode, waitUntil } = require('./processes');

function serve(port) {
  const byType = {};
  let posts = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts, byType }));
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      posts += 1;
      let type = 'unreadable';
      try {
        type = JSON.parse(Buffer.concat(chunks).toString('utf8')).type;
      } catch {
        // counted as unreadable
      }
      byType[type] = (byType[type] ?? 0) + 1;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30000;
  server.listen(port, '127.0.0.1');
}

async function startWebhookReceiver(logDir) {
  const port = await freePort();
  const node = startNode('webhook-receiver', [__filename], { PORT: String(port) }, logDir);
  const url = `http://127.0.0.1:${port}`;
  const stats = async () => (await fetch(`${url}/__stats`)).json();
  await waitUntil('the webhook receiver', () => stats().then(() => true, () => false), 10000, 100);
  return { url: `${url}/hook`, stats, close: () => node.stop() };
}

/** Registers `url` on the stack's API as an endpoint receiving every event type. */
async function registerEndpoint(stack, url, apiKey) {
  const response = await fetch(`${stack.baseUrl}/v1/webhook-endpoints`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ url, description: 'bench' }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/webhook-endpoints → ${response.status} ${await response.text()}`);
}

if (require.main === module) serve(Number(process.env.PORT));

module.exports = { startWebhookReceiver, registerEndpoint };
