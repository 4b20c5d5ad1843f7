import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from './audit-actions';
import { AuditEntry, LoggedFields } from './audit-entry.schema';
import { AuditFilter, AuditRecord, AuditRepository, EventScope, SettledEvent } from './audit.repository';
import { eventBucketOf } from './event-bucket';

export interface AuditEvent {
  actor: string;
  action: AuditAction;
  messageId?: string;
  requestId?: string;
  details?: Record<string, unknown>;
  /** The project the entry is about (its message's, its caller's); root's entries carry none. */
  projectId?: string;
  /** A fixed entry id, for an event that may be recorded again after a restart: it is stored once. */
  id?: string;
}

/** Hears of each entry once it is stored, in this process (metrics count events this way). */
export type AuditListener = (event: AuditEvent, at: Date) => void;

/** A status change as its fenced entry holds it, or an entry carrying an event of its own. */
export type FencedEvent = AuditEvent & { fence: string; seq?: number; change?: LoggedFields; event?: Record<string, unknown>; eventBucket?: string };

/** An event published with an entry (src/events/): written with it, so it is never lost. */
export interface PublishedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Hears of each status change this process won (the event publisher hands it on). */
export type ChangeListener = (entry: FencedEvent, at: Date) => void;

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly listeners: AuditListener[] = [];
  private readonly changeListeners: ChangeListener[] = [];

  constructor(private readonly repository: AuditRepository) {}

  /** `publish`: an event recorded with the entry (its outbox) and published from it, at least once. */
  async record(event: AuditEvent, publish?: PublishedEvent): Promise<void> {
    if (publish) return this.recordPublished(event, publish);
    const at = new Date();
    await this.repository.append({ ...event, at });
    this.logger.log({ audit: event.action, actor: event.actor, messageId: event.messageId, requestId: event.requestId });
    for (const listener of this.listeners) this.notify(listener, event, at);
  }

  /**
   * An entry that must be the only one under its fence (a status change, src/lifecycle): false,
   * and nothing recorded, when another writer took that fence first.
   */
  async recordFenced(event: FencedEvent, at = new Date()): Promise<boolean> {
    const pending = await this.appendPending(event, at);
    if (!pending) return false;
    this.logger.log({ audit: event.action, actor: event.actor, messageId: event.messageId, requestId: event.requestId });
    for (const listener of this.listeners) this.notify(listener, event, at);
    for (const listener of this.changeListeners) this.notify(() => listener(pending, at), event, at);
    return true;
  }

  /** Fenced by the event's id: recorded again (a retried request), it is stored and published once. */
  private async recordPublished(event: AuditEvent, publish: PublishedEvent): Promise<void> {
    const at = new Date();
    const pending = await this.appendPending({ ...event, fence: `event:${publish.id}`, event: { ...publish } }, at);
    if (!pending) return;
    this.logger.log({ audit: event.action, actor: event.actor, requestId: event.requestId });
    for (const listener of this.listeners) this.notify(listener, event, at);
    for (const listener of this.changeListeners) this.notify(() => listener(pending, at), event, at);
  }

  /**
   * Written pending, in this process's settle bucket: the entry is the outbox of its event until the
   * broker confirms it. Returns the entry as the change listeners get it; null when its fence was taken.
   */
  private async appendPending(entry: FencedEvent, at: Date): Promise<FencedEvent | null> {
    const pending = { ...entry, eventBucket: eventBucketOf(at) };
    return (await this.repository.appendFenced({ ...pending, at, eventPending: true })) ? pending : null;
  }

  onChange(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  pendingEvents(before: Date, limit: number): Promise<AuditEntry[]> {
    return this.repository.pendingEvents(before, limit);
  }

  changesBetween(from: Date, to: Date, limit: number, scope?: EventScope): Promise<AuditEntry[]> {
    return this.repository.changesBetween(from, to, limit, scope);
  }

  settleEvents(events: SettledEvent[]): Promise<void> {
    return this.repository.settleEvents(events);
  }

  ensureEventIndex(): Promise<void> {
    return this.repository.ensureEventIndex();
  }

  findFenced(fence: string): Promise<AuditEntry | null> {
    return this.repository.findFenced(fence);
  }

  onRecorded(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /** A listener's bug must never fail the action that was audited. */
  private notify(listener: AuditListener, event: AuditEvent, at: Date): void {
    try {
      listener(event, at);
    } catch (error) {
      this.logger.warn({ err: error, audit: event.action }, 'an audit listener failed');
    }
  }

  /**
   * Many events in one write: bulk sends record each message's acceptance without 10,000 round
   * trips. `at`: when they happened, if that was before now.
   */
  async recordMany(events: AuditEvent[], at = new Date()): Promise<void> {
    if (events.length === 0) return;
    await this.repository.appendMany(events.map((event) => ({ ...event, at })));
    for (const event of events) for (const listener of this.listeners) this.notify(listener, event, at);
  }

  find(filter: AuditFilter): Promise<AuditRecord[]> {
    return this.repository.find(filter);
  }
}
