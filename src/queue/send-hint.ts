import { createHmac, timingSafeEqual } from 'node:crypto';
import { IsIn, IsInt, IsOptional, IsString, Length, Min, ValidateIf } from 'class-validator';

/**
 * What the API (or a worker scheduling a retry) already knows of a stored message when it
 * publishes its command: enough for the worker to claim and send it without reading it first
 * (src/lifecycle/status-log.ts: the claim is then one write). Signed with a key derived from the
 * Twilio auth token, which only NotifyX's own processes hold: a hint from anyone else is ignored
 * and the message is read instead, so what is sent is always what was stored.
 */
export class SendHint {
  /** The message's version when the command was published: its claim is change v+1. */
  @IsInt() @Min(1)
  v!: number;

  @IsInt() @Min(0)
  attempts!: number;

  @IsIn(['queued'])
  status!: 'queued';

  @IsString() @Length(3, 32)
  to!: string;

  @ValidateIf((hint: SendHint) => hint.from !== null) @IsString() @Length(3, 34)
  from!: string | null;

  @IsString() @Length(1, 1600)
  body!: string;

  /** The message's expiresAt (ms since the epoch), so the worker can expire it unread. */
  @IsOptional() @IsInt()
  exp?: number;
  /** The message's project (unset: root), so the worker's audit entries name it without a read. */
  @IsOptional() @IsString() @Length(1, 32)
  p?: string;

  @IsOptional() @IsString()
  sig?: string;
}

export type UnsignedHint = Omit<SendHint, 'sig'>;

/** The key derived from the secret, kept: every command's hint is checked with it (one HMAC less each). */
const derivedKeys = new Map<string, Buffer>();

function keyFor(secret: string): Buffer {
  let key = derivedKeys.get(secret);
  if (!key) {
    key = createHmac('sha256', secret).update('notifyx send hint').digest();
    derivedKeys.set(secret, key);
  }
  return key;
}

function digest(messageId: string, hint: UnsignedHint, secret: string): string {
  const key = keyFor(secret);
  const { v, attempts, status, to, from, body, exp, p } = hint;
  // exp and p only when set, so hints signed before they existed still verify.
  const signed = [messageId, v, attempts, status, to, from, body, ...(exp === undefined ? [] : [exp]), ...(p === undefined ? [] : [`p:${p}`])];
  return createHmac('sha256', key).update(JSON.stringify(signed)).digest('base64url');
}

export function signHint(messageId: string, hint: UnsignedHint, secret: string): SendHint {
  return { ...hint, sig: digest(messageId, hint, secret) };
}

export function verifiedHint(messageId: string, hint: SendHint | undefined, secret: string): UnsignedHint | undefined {
  if (!hint?.sig) return undefined;
  const expected = Buffer.from(digest(messageId, hint, secret));
  const given = Buffer.from(hint.sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  const { sig: _sig, ...unsigned } = hint;
  return unsigned;
}

/** The hint for a message just stored: version 1, no attempt yet. */
export function newMessageHint(message: { id: string; to: string; from: string | null; body: string; expiresAt?: Date; projectId?: string }, secret: string): SendHint {
  const exp = message.expiresAt?.getTime();
  const p = message.projectId;
  return signHint(message.id, {
    v: 1, attempts: 0, status: 'queued', to: message.to, from: message.from, body: message.body, ...(exp === undefined ? {} : { exp }), ...(p === undefined ? {} : { p }),
  }, secret);
}
