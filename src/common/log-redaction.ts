import { maskPhone } from '../sms/phone';

/**
 * What may never reach a log line, and how it is kept out. Three layers, each catching what the
 * one before cannot see:
 * 1. fields by name (pino `redact`): phone fields masked, message bodies and secrets replaced;
 * 2. serializers for requests and errors that keep an allow-list of properties (an axios error
 *    from the twilio SDK carries its request config, Authorization header included);
 * 3. the finished JSON line: E.164 numbers anywhere in free text are masked, and the configured
 *    secrets (Twilio auth token, bootstrap API keys) are replaced wherever they appear.
 */

export const REDACTED = '[redacted]';

/** Fields holding phone numbers, at the top of a log object or one level down. */
const PHONE_FIELDS = ['to', 'from', 'phone', 'number', 'To', 'From'];
/** Message texts: never logged. */
const BODY_FIELDS = ['body', 'Body', 'text'];
const SECRET_FIELDS = ['authToken', 'password', 'token', 'apiKey', 'secret', 'authorization', 'Authorization', 'x-api-key'];

export const REDACT_PATHS = [...PHONE_FIELDS, ...BODY_FIELDS, ...SECRET_FIELDS].flatMap((field) =>
  /^\w+$/.test(field) ? [field, `*.${field}`] : [`*["${field}"]`],
);

const phoneFields = new Set(PHONE_FIELDS);

/** pino's censor: phone fields are masked (a status in a `to` field stays), the rest replaced. */
export function censor(value: unknown, path: string[]): unknown {
  const field = path[path.length - 1] ?? '';
  if (!phoneFields.has(field)) return REDACTED;
  return typeof value === 'string' ? maskPhoneLike(value) : value;
}

/** A value that reads as a phone number, masked; anything else (a status, an already masked number) as is. */
export function maskPhoneLike(value: string): string {
  // Already masked, or a date (reports take from/to dates).
  if (value.includes('*') || /^\d{4}-\d{2}-\d{2}/.test(value)) return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 6 || !/^[\s+\d().-]+$/.test(value)) return value;
  return maskPhone(value.startsWith('+') ? `+${digits}` : digits);
}

/** E.164 numbers in free text, plain or URL-encoded (%2B). */
const E164_IN_TEXT = /(\+|%2B)(\d{7,15})(?!\d)/gi;

export function maskPhonesInText(text: string): string {
  return text.replace(E164_IN_TEXT, (_match, _plus: string, digits: string) => maskPhone(`+${digits}`));
}

/** Replaces each secret (and its Basic-auth form) wherever it occurs; short strings are not secrets. */
export function secretScrubber(secrets: string[]): (text: string) => string {
  const unique = [...new Set(secrets.filter((secret) => secret.length >= 8))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return (text) => text;
  const pattern = new RegExp(unique.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

/** The Basic credentials the twilio SDK sends: if they leak as text, they are the token. */
export function basicAuthOf(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

const SAFE_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'x-request-id', 'x-forwarded-for'];

/** The parts of a Node request a log line needs. */
interface RawRequest {
  id?: unknown;
  method?: string;
  originalUrl?: string;
  url?: string;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: string };
}

/** Requests: method, a URL whose phone-like path and query parts are masked, and harmless headers. */
export function serializeRequest(req: RawRequest): Record<string, unknown> {
  const headers = Object.fromEntries(SAFE_HEADERS.filter((name) => req.headers?.[name] !== undefined).map((name) => [name, req.headers?.[name]]));
  return { id: req.id, method: req.method, url: maskUrl(req.originalUrl ?? req.url ?? ''), headers, remoteAddress: req.socket?.remoteAddress };
}

/** /v1/opt-outs/11987654321?to=%2B55… → each path segment and query value that reads as a phone, masked. */
export function maskUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  const maskedPath = path.split('/').map(maskUrlPart).join('/');
  if (query === undefined) return maskedPath;
  const maskedQuery = query.split('&').map((pair) => {
    const [name, value] = pair.split('=', 2);
    return value === undefined ? pair : `${name}=${maskUrlPart(value)}`;
  }).join('&');
  return `${maskedPath}?${maskedQuery}`;
}

function maskUrlPart(part: string): string {
  let decoded: string;
  try {
    // In a query "+" is a space; a number written +55… arrives as " 55…", which still reads as a phone.
    decoded = decodeURIComponent(part.replace(/\+/g, '%2B'));
  } catch {
    return part;
  }
  const masked = maskPhoneLike(decoded);
  return masked === decoded ? part : encodeURIComponent(masked);
}

/** Error properties worth a log line; everything else (request config, sockets, responses) stays out. */
const ERROR_FIELDS = ['code', 'status', 'statusCode', 'providerCode', 'retryable', 'description', 'moreInfo', 'errno', 'syscall'];

/** An allow-list copy of an error (or of what a serializer already made of one). */
export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return typeof error === 'string' ? error : String(error);
  const source = error as Record<string, unknown> & { cause?: unknown };
  const type = typeof source.type === 'string' ? source.type : error instanceof Error ? error.name : error.constructor?.name;
  const safe: Record<string, unknown> = { type, message: source.message, stack: source.stack };
  for (const field of ERROR_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') safe[field] = value;
  }
  if (source.cause !== undefined && depth < 3) safe.cause = serializeError(source.cause, depth + 1);
  return safe;
}
