import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { insertNew } from '../common/insert-new';
import { projectField } from '../common/request-context';
import { withoutUndefined } from '../common/without-undefined';
import { AuditEntry } from './audit-entry.schema';

const DUPLICATE_KEY = 11000;

/** Root's entries carry no projectId (as before projects existed); events spread from a context name it. */
function owned(entry: { projectId?: string }): { projectId?: string } {
  return { projectId: projectField(entry.projectId).projectId };
}

export interface AuditRecord extends AuditEntry {
  id: string;
}

export interface AuditFilter {
  /** Only this project's entries; unset: every project's (the root project's view). */
  projectId?: string;
  messageId?: string;
  action?: string;
  before?: string;
  limit: number;
}

/** Append-only on purpose: there is no update or delete here, so nothing in the app can edit history. */
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
    return docs.map(({ _id, fence: _fence, ...rest }) => ({ id: _id.toHexString(), ...rest }));
  }
}
