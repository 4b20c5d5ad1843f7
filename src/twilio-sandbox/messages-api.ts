import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage } from './create-message';
import { simulateDelivery } from './delivery';
import { readBody, sendJson } from './http-io';
import { API_VERSION, toResource } from './message-resource';
import { SandboxState } from './sandbox-state';
import { TwilioApiError, internalError, notFoundError, tooManyRequestsError } from './twilio-errors';

/** POST /2010-04-01/Accounts/{AccountSid}/Messages.json */
export async function createMessage(state: SandboxState, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  const to = form.get('To') ?? '';
  // Transport-level failures strike before Twilio even looks at the request.
  const outage = state.faults.take(to, ['timeout', 'http500', '20429']);
  // Never answer: the socket stays open until close() tears every connection down.
  if (outage?.kind === 'timeout') return;
  if (state.opts.latencyMs > 0) await sleep(state.opts.latencyMs, undefined, { signal: state.closingSignal });
  if (outage) throw outage.kind === 'http500' ? internalError() : tooManyRequestsError();
  const message = buildMessage(state.opts.accountSid, form, new Date());
  // Taken only now: a create Twilio rejects leaves an `undelivered` fault armed for the next one.
  const failure = state.faults.take(to, ['undelivered']);
  state.messages.set(message.sid, message);
  sendJson(res, 201, toResource(message));
  if (message.status === 'scheduled') return;
  // Start only once the 201 is flushed, so the `sent` callback cannot overtake the create answer.
  res.once('finish', () => state.track(simulateDelivery(state, message, failure?.errorCode)));
}

/** GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json */
export function fetchMessage(state: SandboxState, res: http.ServerResponse, sid: string, path: string): void {
  const message = state.messages.get(sid);
  if (!message) throw notFoundError(path);
  sendJson(res, 200, toResource(message));
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * GET /2010-04-01/Accounts/{AccountSid}/Messages.json, newest first like Twilio, in its page
 * envelope. Paging is by Page number; the PageToken Twilio adds is accepted and ignored.
 */
export function listMessages(state: SandboxState, res: http.ServerResponse, url: URL): void {
  const q = url.searchParams;
  const pageSize = parsePaging(q.get('PageSize'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, 'PageSize');
  const page = parsePaging(q.get('Page'), 0, 0, Number.MAX_SAFE_INTEGER, 'Page');
  const matching = [...state.messages.values()]
    .filter((m) => (!q.get('To') || m.to === q.get('To')) && (!q.get('From') || m.from === q.get('From')))
    .reverse();
  const start = page * pageSize;
  const slice = matching.slice(start, start + pageSize);
  const pageUri = (n: number): string => listUri(url.pathname, q, pageSize, n);
  sendJson(res, 200, {
    first_page_uri: pageUri(0),
    end: slice.length === 0 ? start : start + slice.length - 1,
    previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    messages: slice.map(toResource),
    uri: pageUri(page),
    page_size: pageSize,
    start,
    next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
    page,
  });
}

function parsePaging(raw: string | null, fallback: number, min: number, max: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TwilioApiError(20001, `Invalid ${name} parameter: ${raw}`);
  }
  return value;
}

function listUri(path: string, q: URLSearchParams, pageSize: number, page: number): string {
  const params = new URLSearchParams();
  for (const key of ['To', 'From']) {
    const value = q.get(key);
    if (value) params.set(key, value);
  }
  params.set('PageSize', String(pageSize));
  params.set('Page', String(page));
  return `${path}?${params.toString()}`;
}

export const MESSAGES_PATH = new RegExp(`^/${API_VERSION}/Accounts/([^/]+)/Messages\\.json$`);
export const MESSAGE_PATH = new RegExp(`^/${API_VERSION}/Accounts/([^/]+)/Messages/([^/]+)\\.json$`);
