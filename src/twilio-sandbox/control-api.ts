import * as http from 'node:http';
import { logError } from './delivery';
import { parseFaultRule } from './faults';
import { postSignedForm, readBody, sameSecret, sendJson } from './http-io';
import { API_VERSION, countSegments, newSid, toPublic } from './message-resource';
import { SandboxState } from './sandbox-state';

type ControlHandler = (state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse, url: URL) => unknown;

const ROUTES: Readonly<Record<string, ControlHandler>> = {
  'GET /__sandbox/health': (_state, _req, res) => sendJson(res, 200, { status: 'ok' }),
  'GET /__sandbox/messages': (state, _req, res, url) => {
    const to = url.searchParams.get('to');
    const matching = [...state.messages.values()].filter((m) => !to || m.to === to);
    sendJson(res, 200, matching.map(toPublic));
  },
  // Same as TwilioSandbox.reset(): faults and pending callbacks go too, so nothing leaks into the next test.
  'DELETE /__sandbox/messages': (state, _req, res) => {
    state.reset();
    res.writeHead(204).end();
  },
  'GET /__sandbox/faults': (state, _req, res) => sendJson(res, 200, state.faults.list()),
  'POST /__sandbox/faults': (state, req, res) => addFault(state, req, res),
  'DELETE /__sandbox/faults': (state, _req, res) => {
    state.faults.clear();
    res.writeHead(204).end();
  },
  'POST /__sandbox/inbound': (state, req, res) => deliverInbound(state, req, res),
};

/** Readiness probes need no token; it tells nothing and changes nothing. */
const OPEN_ROUTES = new Set(['GET /__sandbox/health']);

/**
 * Test-only control surface under /__sandbox/, so specs and scripts in other processes can inspect
 * and steer the sandbox (Twilio has nothing like it). It can read every text and post signed
 * inbound webhooks, so it needs the sandbox's own control token as a bearer token.
 * Returns false when the route is not one of its own.
 */
export async function handleControl(
  state: SandboxState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<boolean> {
  const route = `${req.method ?? ''} ${url.pathname.replace(/\/+$/, '')}`;
  const handler = ROUTES[route];
  if (!handler) return false;
  if (!OPEN_ROUTES.has(route) && !sameSecret(req.headers.authorization ?? '', `Bearer ${state.opts.controlToken}`)) {
    sendJson(res, 401, { error: 'the sandbox control routes need Authorization: Bearer <control token>' });
    return true;
  }
  await handler(state, req, res, url);
  return true;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse(await readBody(req)) as unknown;
  } catch {
    return undefined;
  }
}

async function addFault(state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const rule = parseFaultRule(await readJson(req));
  if (typeof rule === 'string') return sendJson(res, 400, { error: rule });
  state.faults.add(rule);
  sendJson(res, 201, rule);
}

/**
 * Simulates a handset texting one of our numbers: posts Twilio's signed inbound-message webhook
 * and relays the receiver's verdict, so a spec can assert on what the app answered.
 */
async function deliverInbound(state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const target = state.opts.inboundWebhookUrl;
  if (target === null) return sendJson(res, 409, { error: 'the sandbox was started without inboundWebhookUrl' });
  const input = (await readJson(req)) as Record<string, unknown> | undefined;
  const { from, to, body } = input ?? {};
  if (typeof from !== 'string' || typeof to !== 'string' || typeof body !== 'string') {
    return sendJson(res, 400, { error: 'expected JSON {from, to, body} with string values' });
  }
  const params = inboundParams(state.opts.accountSid, from, to, body);
  try {
    const answer = await postSignedForm(target, params, state.opts.authToken, state.signal);
    res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'text/plain; charset=utf-8' });
    res.end(answer.body);
  } catch (err) {
    logError(`inbound webhook ${target} failed`, err);
    sendJson(res, 502, { error: `inbound webhook ${target} failed: ${(err as Error).message}` });
  }
}

function inboundParams(accountSid: string, from: string, to: string, body: string): Record<string, string> {
  const sid = newSid('SM');
  return {
    AccountSid: accountSid,
    ApiVersion: API_VERSION,
    Body: body,
    From: from,
    MessageSid: sid,
    NumMedia: '0',
    NumSegments: String(countSegments(body)),
    SmsMessageSid: sid,
    SmsSid: sid,
    SmsStatus: 'received',
    To: to,
  };
}
