import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from './audit-actions';
import { AuditEntry, LoggedFields } from './audit-entry.schema';
import { AuditFilter, AuditRecord, AuditRepository } from './audit.repository';

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

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly listeners: AuditListener[] = [];

  constructor(private readonly repository: AuditRepository) {}

  async record(event: AuditEvent): Promise<void> {
    const at = new Date();
    await this.repository.append({ ...event, at });
    this.logger.log({ audit: event.action, actor: event.actor, messageId: event.messageId, requestId: event.requestId });
    for (const listener of this.listeners) this.notify(listener, event, at);
  }

  /**
   * An entry that must be the only one under its fence (a status change, src/lifecycle): false,
   * and nothing recorded, when another writer took that fence first.
   */
  async recordFenced(event: AuditEvent & { seq: number; fence: string; change: LoggedFields }, at = new Date()): Promise<boolean> {
    if (!(await this.repository.appendFenced({ ...event, at }))) return false;
    this.logger.log({ audit: event.action, actor: event.actor, messageId: event.messageId, requestId: event.requestId });
    for (const listener of this.listeners) this.notify(listener, event, at);
    return true;
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
