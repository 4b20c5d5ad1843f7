import * as http from 'node:http';
import * as https from 'node:https';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { twilioSignature } from './signature';

/** Request bodies are tiny form or JSON payloads; the cap keeps a misbehaving client from ballooning memory. */
const MAX_BODY_BYTES = 1024 * 1024;

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', reject);
  });
}

/** Compares secrets in constant time (as digests, so their lengths do not show either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function sendJson(res: http.ServerResponse, status: number, payload: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export interface WebhookResult {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** Twilio waits about 15 s for a webhook receiver before giving up. */
const WEBHOOK_TIMEOUT_MS = 15_000;

/** The headers Twilio puts on its webhooks; the signature covers the URL exactly as configured. */
function webhookHeaders(url: string, params: Record<string, string>, authToken: string, body: string): http.OutgoingHttpHeaders {
  return {
    'Content-Type': 'application/x-www-form-urlencoded',
    'Content-Length': Buffer.byteLength(body),
    'User-Agent': 'TwilioProxy/1.1',
    'X-Twilio-Signature': twilioSignature(authToken, url, params),
    'I-Twilio-Idempotency-Token': randomUUID(),
  };
}

/** POSTs form-encoded params to a webhook the way Twilio does, and reads the receiver's answer. */
export function postSignedForm(
  url: string,
  params: Record<string, string>,
  authToken: string,
  signal: AbortSignal,
): Promise<WebhookResult> {
  const body = new URLSearchParams(params).toString();
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const headers = webhookHeaders(url, params, authToken, body);
  return new Promise((resolve, reject) => {
    const req = transport.request(target, { method: 'POST', headers, signal, timeout: WEBHOOK_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf-8');
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`webhook ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
