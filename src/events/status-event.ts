import type { LoggedFields } from '../audit/audit-entry.schema';
import { ownerOf } from '../common/request-context';

/**
 * What an event says of its message beyond the change itself. The writer of a change holds it
 * already (the worker from its command's signed hint, a Twilio callback from its URL, any other
 * writer from the document it read), so an event costs no read of the message (issue 12: the
 * drain's store requests). `known: false`: the writer did not hold it (a command from before these
 * fields existed); the publisher reads the message then, the one case that does.
 */
export interface EventContext {
  known?: boolean;
  segments?: number;
  producerId?: string;
  metadata?: Record<string, string>;
  statusCallback?: string;
  /** When the message was accepted (ms since the epoch): the metrics time its delivery without a read. */
  acceptedAt?: number;
}

/** A fenced status-change entry as the outbox holds it (src/lifecycle/status-log.ts writes it). */
export interface ChangeEntry {
  /** The message's project, as its fenced entry names it (none: root). */
  projectId?: string;
  messageId: string;
  seq: number;
  at: Date;
  change: LoggedFields;
  event?: EventContext;
}

/** Any event the outbox holds: a status change's entry, or an entry carrying its whole event (an inbound SMS, an opt-out). */
export interface PendingEntry {
  fence: string;
  /** The project the entry names (none: root). */
  projectId?: string;
  at: Date;
  messageId?: string;
  seq?: number;
  change?: LoggedFields;
  event?: Record<string, unknown>;
  /** Its settle key (src/audit/event-bucket.ts); none on entries written before buckets. */
  eventBucket?: string;
}

/** What goes out on the exchange and to webhooks: the Standard Webhooks shape. */
export interface OutboundEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** What an entry that is not a status change carries (AuditService.record's `publish`). */
export interface CarriedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface StatusEventData {
  messageId: string;
  /** The message's project (`root` for the root project's): webhook endpoints receive their own project's events only. */
  projectId: string;
  status: string;
  /** The change's number among its message's changes: events of one message are ordered by it. */
  sequence: number;
  errorCode: number | null;
  errorMessage: string | null;
  errorDescription: string | null;
  twilioSid: string | null;
  segments: number | null;
  producerId: string | null;
  metadata: Record<string, string>;
  detail: string | null;
}

/** The Standard Webhooks payload shape (`type`, `timestamp`, `data`), with the stable event id. */
export interface StatusEvent {
  id: string;
  type: string;
  timestamp: string;
  data: StatusEventData;
}

/** One id per change, whoever publishes it and however often: receivers drop duplicates by it. */
export function eventIdOf(messageId: string, seq: number): string {
  return `evt_${messageId}_${seq}`;
}

export function eventTypeOf(status: string): string {
  return `message.${status}`;
}

/** The context a writer holds on `basis`; unknown when the basis is not a whole message. */
export function contextOf(basis: { segments?: number; producerId?: string; metadata?: Record<string, string>; statusCallback?: string; createdAt?: Date }): EventContext {
  if (basis.segments === undefined) return { known: false };
  const { segments, producerId, metadata, statusCallback, createdAt } = basis;
  return {
    segments, ...(producerId ? { producerId } : {}), ...(metadata ? { metadata } : {}), ...(statusCallback ? { statusCallback } : {}),
    ...(createdAt ? { acceptedAt: new Date(createdAt).getTime() } : {}),
  };
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The event an outbox entry stands for, and a message's own statusCallback URL when it has one. */
export function outboundOf(entry: PendingEntry): { event: OutboundEvent; statusCallback?: string } {
  if (entry.change) {
    const change = { ...entry, messageId: entry.messageId!, seq: entry.seq!, change: entry.change, event: entry.event as EventContext | undefined };
    const statusCallback = change.event?.statusCallback;
    return { event: statusEventOf(change) as unknown as OutboundEvent, ...(statusCallback ? { statusCallback } : {}) };
  }
  const { id, type, data } = entry.event as unknown as CarriedEvent;
  return { event: { id, type, timestamp: entry.at.toISOString(), data } };
}

export function statusEventOf(entry: ChangeEntry): StatusEvent {
  const { set = {}, status, detail } = entry.change;
  const context = entry.event ?? {};
  return {
    id: eventIdOf(entry.messageId, entry.seq),
    type: eventTypeOf(status),
    timestamp: entry.at.toISOString(),
    data: {
      messageId: entry.messageId, projectId: ownerOf(entry), status, sequence: entry.seq,
      errorCode: asNumber(set.errorCode), errorMessage: asString(set.errorMessage), errorDescription: asString(set.errorDescription),
      twilioSid: asString(set.twilioSid), segments: context.segments ?? null, producerId: context.producerId ?? null,
      metadata: context.metadata ?? {}, detail: detail ?? null,
    },
  };
}
