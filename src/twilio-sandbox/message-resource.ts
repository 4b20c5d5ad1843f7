import { randomBytes } from 'node:crypto';

export const API_VERSION = '2010-04-01';

/** What tests see of a message the sandbox accepted. */
export interface SandboxMessage {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
  errorCode: number | null;
  statusCallback: string | null;
  messagingServiceSid: string | null;
  /** ValidityPeriod as sent (seconds), null when left out. */
  validityPeriod: number | null;
  dateCreated: Date;
}

/** The sandbox's own record: everything the Twilio resource JSON needs besides the public view. */
export interface StoredMessage extends SandboxMessage {
  accountSid: string;
  errorMessage: string | null;
  numSegments: string;
  numMedia: number;
  dateUpdated: Date;
  dateSent: Date | null;
  sendAt: Date | null;
}

export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Twilio writes RFC 2822 dates with a numeric zone ("+0000"), not the "GMT" Date#toUTCString gives. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export function messageUri(accountSid: string, sid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`;
}

/** Snake_case Message resource, field for field as in Twilio's OpenAPI `api.v2010.account.message`. */
export function toResource(m: StoredMessage): Record<string, unknown> {
  const base = `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}`;
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateUpdated),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: m.errorMessage,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: String(m.numMedia),
    num_segments: m.numSegments,
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
    to: m.to,
    uri: `${base}.json`,
  };
}

/** A detached copy limited to the public fields, so callers cannot mutate sandbox state. */
export function toPublic(m: StoredMessage): SandboxMessage {
  return {
    sid: m.sid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: m.status,
    errorCode: m.errorCode,
    statusCallback: m.statusCallback,
    validityPeriod: m.validityPeriod,
    messagingServiceSid: m.messagingServiceSid,
    dateCreated: new Date(m.dateCreated),
  };
}

// GSM 03.38 basic set, and the extension set whose characters cost an escape plus the character.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

function gsmSeptets(text: string): number | null {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) septets += 1;
    else if (GSM_EXTENDED.includes(ch)) septets += 2;
    else return null;
  }
  return septets;
}

/**
 * Segment count as carriers bill it: GSM-7 fits 160 septets (153 per part once concatenated),
 * anything else goes UCS-2 at 70 UTF-16 units (67 per part).
 */
export function countSegments(body: string): number {
  if (body.length === 0) return 1;
  const septets = gsmSeptets(body);
  if (septets !== null) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  return body.length <= 70 ? 1 : Math.ceil(body.length / 67);
}
