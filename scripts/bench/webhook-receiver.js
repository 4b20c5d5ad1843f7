'use strict';
/**
 * The webhook receiver of the drain's `webhooks on` runs (issue 13, item 8): a bare node:http
 * server in the bench's own process that answers every post 204 and counts them by event type.
 */
const http = require('node:http');
const { freePort } = require('./processes');

async function startWebhookReceiver() {
  const byType = {};
  let posts = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      posts += 1;
      try {
        const { type } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        byType[type] = (byType[type] ?? 0) + 1;
      } catch {
        byType.unreadable = (byType.unreadable ?? 0) + 1;
      }
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () => ({ posts, byType: { ...byType } }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Registers `url` on the stack's API as an endpoint receiving every event type. */
async function registerEndpoint(stack, url, apiKey) {
  const response = await fetch(`${stack.baseUrl}/v1/webhook-endpoints`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify({ url, description: 'bench' }),
  });
  if (response.status !== 201) throw new Error(`POST /v1/webhook-endpoints → ${response.status} ${await response.text()}`);
}

module.exports = { startWebhookReceiver, registerEndpoint };
