'use strict';
/** The Twilio sandbox as a child process, behind a tap in this process that times every create. */
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { freePort, getStatus, startNode, waitUntil } = require('./processes');

const ACCOUNT_SID = `AC${'0b'.repeat(16)}`;
const AUTH_TOKEN = 'bench-auth-token';
/** Twilio's magic valid sender, the stacks' TWILIO_PHONE_NUMBER. */
const FROM = '+15005550006';

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

/**
 * The sandbox (`<dist>/twilio-sandbox/main.js`, answering after `latencyMs`, calling back `sent` and
 * `delivered`, signed) and the tap in front of it; point Twilio clients at `tap.url`.
 */
async function startTwilio(name, { dist, logDir, latencyMs }) {
  const port = await freePort();
  const sandbox = startNode(`${name}-sandbox`, [join(dist, 'twilio-sandbox', 'main.js')], {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_SANDBOX_PORT: String(port),
    TWILIO_SANDBOX_LATENCY_MS: String(latencyMs),
  }, logDir);
  try {
    await waitUntil('the Twilio sandbox', async () => (await getStatus(`http://127.0.0.1:${port}/__sandbox/health`)) === 200);
    const tap = await new TwilioTap().start(`http://127.0.0.1:${port}`);
    return { sandbox, tap, stop: async () => (await sandbox.stop('SIGTERM'), await tap.close()) };
  } catch (error) {
    await sandbox.stop('SIGTERM');
    throw error;
  }
}

module.exports = { ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioTap, startTwilio };
