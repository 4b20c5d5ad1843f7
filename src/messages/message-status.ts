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
};

export function isFinal(status: MessageStatus): boolean {
  return rank[status] === 3;
}

export function canTransition(from: MessageStatus, to: MessageStatus): boolean {
  return rank[to] > rank[from];
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
