import { StoredMessage, countSegments, newSid } from './message-resource';
import { TwilioApiError, magicFromError, magicToError } from './twilio-errors';

// E.164 (a "+", then up to 15 digits) optionally behind a channel prefix such as "whatsapp:".
const ADDRESS = /^(?:[a-z]+:)?\+[1-9]\d{6,14}$/;
const MAX_BODY_CHARS = 1600;
const MIN_SCHEDULE_AHEAD_MS = 15 * 60_000;
const MAX_SCHEDULE_AHEAD_MS = 35 * 24 * 3_600_000;

/**
 * Turns a create-message form into a stored message, or throws the TwilioApiError the live API
 * would answer with. Checks run in Twilio's order: required fields, then formats, then the
 * test-credential magic numbers.
 */
export function buildMessage(accountSid: string, form: URLSearchParams, now: Date): StoredMessage {
  const to = form.get('To') ?? '';
  const from = form.get('From') || null;
  const messagingServiceSid = form.get('MessagingServiceSid') || null;
  const body = form.get('Body') ?? '';
  const mediaUrls = form.getAll('MediaUrl');
  // The OpenAPI marks Body, MediaUrl and ContentSid as alternatives: any one makes content.
  const hasContent = body !== '' || mediaUrls.length > 0 || Boolean(form.get('ContentSid'));
  checkRequired(to, hasContent, from, messagingServiceSid);
  checkFormats(to, body, form.get('StatusCallback'));
  const magic = magicToError(to, from) ?? magicFromError(from);
  if (magic) throw magic;
  const sendAt = scheduledSendAt(form, messagingServiceSid, now);
  return {
    sid: newSid(mediaUrls.length > 0 ? 'MM' : 'SM'),
    accountSid,
    to,
    from,
    body,
    status: initialStatus(sendAt, from),
    errorCode: null,
    errorMessage: null,
    statusCallback: form.get('StatusCallback') || null,
    messagingServiceSid,
    validityPeriod: form.has('ValidityPeriod') ? Number(form.get('ValidityPeriod')) : null,
    // Per Twilio's schema note, a Messaging Service message has 0 segments until a sender is chosen.
    numSegments: from === null ? '0' : String(countSegments(body)),
    numMedia: mediaUrls.length,
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    sendAt,
  };
}

function checkRequired(to: string, hasContent: boolean, from: string | null, service: string | null): void {
  if (to === '') throw new TwilioApiError(21604, "A 'To' phone number is required.");
  if (!hasContent) throw new TwilioApiError(21602, 'Message body is required.');
  if (from === null && service === null) throw new TwilioApiError(21603, "A 'From' phone number is required.");
}

function checkFormats(to: string, body: string, statusCallback: string | null): void {
  if (!ADDRESS.test(to)) throw new TwilioApiError(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (body.length > MAX_BODY_CHARS) {
    throw new TwilioApiError(21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (statusCallback && !isHttpUrl(statusCallback)) {
    throw new TwilioApiError(21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Scheduling only exists for Messaging Services; with a bare From, Twilio drops ScheduleType and
 * SendAt and sends at once, and so does the sandbox.
 */
function scheduledSendAt(form: URLSearchParams, service: string | null, now: Date): Date | null {
  if (form.get('ScheduleType') !== 'fixed' || service === null) return null;
  const sendAt = new Date(form.get('SendAt') ?? '');
  const ahead = sendAt.getTime() - now.getTime();
  if (Number.isNaN(ahead) || ahead < MIN_SCHEDULE_AHEAD_MS || ahead > MAX_SCHEDULE_AHEAD_MS) {
    throw new TwilioApiError(35114, 'Scheduling does not support this timestamp');
  }
  return sendAt;
}

function initialStatus(sendAt: Date | null, from: string | null): string {
  if (sendAt !== null) return 'scheduled';
  return from === null ? 'accepted' : 'queued';
}
