import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertNew } from '../common/insert-new';
import { projectField } from '../common/request-context';
import { withoutUndefined } from '../common/without-undefined';
import { AuditEntry, EVENT_BUCKET_INDEX, EVENT_PENDING_INDEX } from './audit-entry.schema';

const DUPLICATE_KEY = 11000;

/** Root's entries carry no projectId (as before projects existed); events spread from a context name it. */
function owned(entry: { projectId?: string }): { projectId?: string } {
  return { projectId: projectField(entry.projectId).projectId };
}

export interface AuditRecord extends AuditEntry {
  id: string;
}

/** The events one project's webhook endpoint may get: its project's (root: those naming none), and every project's of the shared types. */
export interface EventScope {
  projectId: string;
  sharedTypes: readonly string[];
}

/** A published event's entry, named for its settle. */
export interface SettledEvent {
  fence: string;
  eventBucket?: string;
}

export interface AuditFilter {
  /** Only this project's entries; unset: every project's (the root project's view). */
  projectId?: string;
  messageId?: string;
  action?: string;
  before?: string;
  limit: number;
}

/**
 * Append-only on purpose: there is no delete here, and the one update clears an entry's
 * `eventPending` flag (its event was published), so nothing in the app can edit history.
 */
@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditEntry.name) private readonly model: Model<AuditEntry>) {}

  /** Lean inserts: the entries are built by AuditService, there is nothing for Mongoose to cast. */
  async append(entry: AuditEntry): Promise<void> {
    await this.appendMany([entry]);
  }

  /** An entry given an id that is already stored is not written twice. */
  async appendMany(entries: (AuditEntry & { id?: string })[]): Promise<void> {
    await insertNew(this.model, entries.map(({ id, ...entry }) => withoutUndefined({ ...(id ? { _id: new Types.ObjectId(id) } : {}), ...entry, ...owned(entry) })));
  }

  /**
   * Inserts an entry whose `fence` is unique; false when that fence is already taken. A driver
   * insert: every status change makes one, and Mongoose's insertMany (a bulk write) cost the worker
   * more CPU than the request itself (profiled, docs/performance.md, seventh round).
   */
  async appendFenced(entry: AuditEntry & { fence: string }): Promise<boolean> {
    try {
      await this.model.collection.insertOne(withoutUndefined({ ...entry, ...owned(entry) }));
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async findFenced(fence: string): Promise<AuditEntry | null> {
    return this.model.findOne({ fence }, { _id: 0 }).lean<AuditEntry>();
  }

  /** Status changes whose events were not confirmed, made before `before`, oldest first. */
  async pendingEvents(before: Date, limit: number): Promise<AuditEntry[]> {
    // eventPending alone is pushed down to the store's index; the time is checked on the few it finds.
    return this.model.find({ eventPending: true, at: { $lt: before } }, { _id: 0 }).sort({ at: 1 }).limit(limit).lean<AuditEntry[]>();
  }

  /**
   * Entries with an event (status changes and the rest) made in [from, to], oldest first (replays;
   * an operator's request, the range is scanned). `scope`: only one project's and the shared types'.
   */
  async changesBetween(from: Date, to: Date, limit: number, scope?: EventScope): Promise<AuditEntry[]> {
    const query: Record<string, unknown> = { fence: { $exists: true }, at: { $gte: from, $lte: to } };
    if (scope) {
      const own = projectField(scope.projectId).projectId ?? { $exists: false };
      query.$or = [{ projectId: own }, { 'event.type': { $in: [...scope.sharedTypes] } }];
    }
    return this.model.find(query, { _id: 0 }).sort({ at: 1 }).limit(limit).lean<AuditEntry[]>();
  }

  /**
   * One write per bucket of a batch of published events (one, or two across a window's end): each
   * reads only its bucket's pending entries. Entries written before buckets existed are settled by
   * their flag.
   */
  async settleEvents(events: SettledEvent[]): Promise<void> {
    const byBucket = new Map<string | undefined, string[]>();
    for (const { fence, eventBucket } of events) {
      const fences = byBucket.get(eventBucket) ?? [];
      fences.push(fence);
      byBucket.set(eventBucket, fences);
    }
    await Promise.all([...byBucket].map(([eventBucket, fences]) => this.model.collection.updateMany(
      { ...(eventBucket ? { eventBucket } : { eventPending: true }), fence: { $in: fences } },
      { $unset: { eventPending: '', eventBucket: '' } },
    )));
  }

  /** Idempotent; called by one process kind only (see EVENT_PENDING_INDEX). */
  async ensureEventIndex(): Promise<void> {
    await this.model.collection.createIndex(EVENT_PENDING_INDEX.key, EVENT_PENDING_INDEX.options);
    await this.model.collection.createIndex(EVENT_BUCKET_INDEX.key, EVENT_BUCKET_INDEX.options);
  }

  async find(filter: AuditFilter): Promise<AuditRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.projectId) query.projectId = filter.projectId;
    if (filter.messageId) query.messageId = filter.messageId;
    if (filter.action) query.action = filter.action;
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.model
      .find(query)
      .sort({ _id: -1 })
      .limit(filter.limit)
      .lean<(AuditEntry & { _id: Types.ObjectId })[]>();
    // The fence is how a status change was decided, not part of what the log says.
    return docs.map(({ _id, fence: _fence, eventPending: _pending, eventBucket: _bucket, ...rest }) => ({ id: _id.toHexString(), ...rest }));
  }
}
