export enum MessageStatus {
  Scheduled = 'scheduled',
  Queued = 'queued',
  Sending = 'sending',
  Sent = 'sent',
  Delivered = 'delivered',
  Undelivered = 'undelivered',
  Failed = 'failed',
  Blocked = 'blocked',
  Canceled = 'canceled',
  /** Not handed to Twilio before its expiresAt: never sent late. */
  Expired = 'expired',
}

export const MESSAGE_STATUSES = Object.values(MessageStatus);

/**
 * How far along the lifecycle a status is. A message only ever moves to a higher rank, so a late
 * or duplicated callback (`sent` after `delivered`) can never move it back.
 */
const rank: Record<MessageStatus, number> = {
  [MessageStatus.Scheduled]: 0,
  [MessageStatus.Queued]: 0,
  [MessageStatus.Sending]: 1,
  [MessageStatus.Sent]: 2,
  [MessageStatus.Delivered]: 3,
  [MessageStatus.Undelivered]: 3,
  [MessageStatus.Failed]: 3,
  [MessageStatus.Blocked]: 3,
  [MessageStatus.Canceled]: 3,
  [MessageStatus.Expired]: 3,
};

export function isFinal(status: MessageStatus): boolean {
  return rank[status] === 3;
}

export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return rank[to] > rank[from];
}

/**
 * Whether a status Twilio reports (a callback or a fetch) moves a message on: forward only, and
 * never `sending → sent`. Twilio calls back `sent` as soon as it has taken a message, while the
 * worker that sent it is still recording that same answer (with the SID) itself; applying the
 * callback too would only make the two fight over the message's lease. Should the worker stop
 * before it records it, the message is reclaimed and Twilio asked what it sent (SmsService), and
 * a later status (`delivered`) still applies from `sending`.
 */
export function takesReport(current: MessageStatus, reported: MessageStatus): boolean {
  if (current === MessageStatus.Sending && reported === MessageStatus.Sent) return false;
  return canTransition(current, reported);
}

/** Twilio's MessageStatus values (status callbacks and fetches) in our lifecycle; others are ignored. */
const fromTwilio: Record<string, MessageStatus> = {
  sending: MessageStatus.Sending,
  sent: MessageStatus.Sent,
  delivered: MessageStatus.Delivered,
  read: MessageStatus.Delivered,
  undelivered: MessageStatus.Undelivered,
  failed: MessageStatus.Failed,
  canceled: MessageStatus.Canceled,
};

export function statusFromTwilio(twilioStatus: string): MessageStatus | undefined {
  return fromTwilio[twilioStatus.toLowerCase()];
}
