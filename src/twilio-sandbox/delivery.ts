import { setTimeout as sleep } from 'node:timers/promises';
import { postSignedForm } from './http-io';
import { API_VERSION, StoredMessage, countSegments } from './message-resource';
import { SandboxState } from './sandbox-state';
import { deliveryErrorMessage } from './twilio-errors';

/** Twilio's magic "valid sender": stands in for the number a Messaging Service picks from its pool. */
const POOL_SENDER = '+15005550006';

/**
 * Plays the carrier's part after a create: the message goes `sent`, then after callbackDelayMs
 * `delivered` (or `undelivered` with `failureCode`). Each step updates the stored resource before
 * its callback goes out, so a receiver that fetches the message sees the status it was told about.
 * Callbacks go one after the other, so receivers see them in order.
 */
export async function simulateDelivery(state: SandboxState, m: StoredMessage, failureCode?: number): Promise<void> {
  const signal = state.signal;
  try {
    advance(m, 'sent');
    await notify(state, m, signal);
    await sleep(state.opts.callbackDelayMs, undefined, { signal });
    if (failureCode === undefined) advance(m, 'delivered');
    else advance(m, 'undelivered', failureCode);
    await notify(state, m, signal);
  } catch (err) {
    // An abort means reset() or close(): the message's story simply ends there.
    if (!signal.aborted) logError(`delivery of ${m.sid} stopped`, err);
  }
}

function advance(m: StoredMessage, status: string, errorCode?: number): void {
  const now = new Date();
  if (status === 'sent') {
    // A Messaging Service only picks the sender (and so the segmentation) when it sends.
    m.from ??= POOL_SENDER;
    m.numSegments = String(countSegments(m.body));
    m.dateSent = now;
  }
  if (errorCode !== undefined) {
    m.errorCode = errorCode;
    m.errorMessage = deliveryErrorMessage(errorCode);
  }
  m.status = status;
  m.dateUpdated = now;
}

export function statusCallbackParams(m: StoredMessage): Record<string, string> {
  const params: Record<string, string> = {
    AccountSid: m.accountSid,
    ApiVersion: API_VERSION,
    MessageSid: m.sid,
    MessageStatus: m.status,
    SmsSid: m.sid,
    SmsStatus: m.status,
    To: m.to,
  };
  if (m.from !== null) params.From = m.from;
  if (m.messagingServiceSid !== null) params.MessagingServiceSid = m.messagingServiceSid;
  if (m.errorCode !== null) params.ErrorCode = String(m.errorCode);
  return params;
}

/** Twilio does not retry status callbacks; a dead receiver only costs that one notification. */
async function notify(state: SandboxState, m: StoredMessage, signal: AbortSignal): Promise<void> {
  if (m.statusCallback === null) return;
  try {
    const res = await postSignedForm(m.statusCallback, statusCallbackParams(m), state.opts.authToken, signal);
    if (res.status >= 400) logError(`status callback ${m.statusCallback} for ${m.sid} answered HTTP ${res.status}`);
  } catch (err) {
    if (signal.aborted) throw err;
    logError(`status callback ${m.statusCallback} for ${m.sid} failed`, err);
  }
}

export function logError(what: string, err?: unknown): void {
  // Not `instanceof Error`: an error thrown by fetch inside Jest's VM context comes from another realm.
  const message = (err as { message?: unknown } | undefined)?.message;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const reason = typeof message === 'string' ? `: ${message}${typeof cause === 'string' ? ` (${cause})` : ''}` : '';
  process.stderr.write(`[twilio-sandbox] ${what}${reason}\n`);
}
