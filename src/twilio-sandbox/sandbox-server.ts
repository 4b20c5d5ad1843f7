import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { handleControl } from './control-api';
import { logError } from './delivery';
import { sameSecret, sendJson } from './http-io';
import { SandboxMessage, toPublic } from './message-resource';
import { MESSAGES_PATH, MESSAGE_PATH, createMessage, fetchMessage, listMessages } from './messages-api';
import { SandboxState } from './sandbox-state';
import { TwilioApiError, authenticateError, internalError, notFoundError } from './twilio-errors';

export type { SandboxMessage } from './message-resource';

export interface SandboxOptions {
  accountSid: string;
  authToken: string;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1 so a test run never exposes the sandbox beyond the machine. */
  host?: string;
  /** Delay before answering a create, to make benchmarks feel Twilio's round trip. */
  latencyMs?: number;
  /** Gap between the `sent` and `delivered` callbacks; default 50 ms. */
  callbackDelayMs?: number;
  /** Where POST /__sandbox/inbound delivers Twilio's incoming-message webhook. */
  inboundWebhookUrl?: string;
  /** Bearer token the /__sandbox/ control routes need; absent: a random one (see TwilioSandbox.controlToken). */
  controlToken?: string;
}

export interface TwilioSandbox {
  url: string;
  /** What `Authorization: Bearer` must carry on the control routes (faults, inbound, messages). */
  controlToken: string;
  /** Calls a control route with the token (and a JSON body, if given). */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  messages(): SandboxMessage[];
  /** Messages the sandbox accepted for this recipient (rejected and faulted creates do not count). */
  sendsTo(to: string): number;
  /** Forgets messages and faults and cancels callbacks still pending. */
  reset(): void;
  close(): Promise<void>;
}

export async function startTwilioSandbox(opts: SandboxOptions): Promise<TwilioSandbox> {
  const state = new SandboxState({
    accountSid: opts.accountSid,
    authToken: opts.authToken,
    latencyMs: opts.latencyMs ?? 0,
    callbackDelayMs: opts.callbackDelayMs ?? 50,
    inboundWebhookUrl: opts.inboundWebhookUrl ?? null,
    controlToken: opts.controlToken || randomBytes(24).toString('hex'),
  });
  const server = http.createServer((req, res) => void handle(state, req, res));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${publicHost(host)}:${port}`;
  const { controlToken } = state.opts;
  return {
    url,
    controlToken,
    control: (method, path, body) => fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    messages: () => [...state.messages.values()].map(toPublic),
    sendsTo: (to) => [...state.messages.values()].filter((m) => m.to === to).length,
    reset: () => state.reset(),
    close: () => closeSandbox(server, state),
  };
}

/** A wildcard bind address is not somewhere a client can connect to; loopback is. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function closeSandbox(server: http.Server, state: SandboxState): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Held ("timeout" fault) and keep-alive sockets would otherwise keep close() waiting forever.
  server.closeAllConnections();
  await state.drain();
  await closed;
}

async function handle(state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  try {
    if (url.pathname.startsWith('/__sandbox/')) {
      if (await handleControl(state, req, res, url)) return;
      return sendJson(res, 404, { error: `no sandbox route ${req.method} ${url.pathname}` });
    }
    await routeTwilio(state, req, res, url);
  } catch (err) {
    answerError(state, res, err);
  }
}

async function routeTwilio(state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const list = MESSAGES_PATH.exec(url.pathname);
  const one = MESSAGE_PATH.exec(url.pathname);
  if (!list && !one) throw notFoundError(url.pathname);
  authenticate(state, req);
  // Valid credentials for one account do not open another account's resources.
  if ((list ?? one)?.[1] !== state.opts.accountSid) throw notFoundError(url.pathname);
  if (list && req.method === 'POST') return createMessage(state, req, res);
  if (list && req.method === 'GET') return listMessages(state, res, url);
  if (one && req.method === 'GET') return fetchMessage(state, res, one[2], url.pathname);
  throw new TwilioApiError(20004, 'Method not allowed', 405);
}

function authenticate(state: SandboxState, req: http.IncomingMessage): void {
  const match = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf-8') : '';
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Only the pair this sandbox was started with: live credentials sent here by mistake are refused.
  if (colon < 0 || !sameSecret(user, state.opts.accountSid) || !sameSecret(password, state.opts.authToken)) {
    throw authenticateError();
  }
}

function answerError(state: SandboxState, res: http.ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) return;
  if (err instanceof TwilioApiError) {
    const headers = err.httpStatus === 401 ? { 'WWW-Authenticate': 'Basic realm="Twilio API"' } : undefined;
    return sendJson(res, err.httpStatus, err.toBody(), headers);
  }
  // Aborted by close() while waiting out the latency: nobody is left to answer.
  if (state.closingSignal.aborted) {
    res.destroy();
    return;
  }
  logError('request failed', err);
  sendJson(res, 500, internalError().toBody());
}
