import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo, Types } from 'mongoose';
import { OptOut, OptOutSource } from './opt-out.schema';

export interface OptOutRecord {
  phone: string;
  reason: string;
  source: OptOutSource;
  createdBy: string;
  requestId?: string;
  projectId?: string;
  createdAt: Date;
  /** Pass as `before` to get the entries older than this one. */
  cursor: string;
}

export type NewOptOut = Omit<OptOutRecord, 'cursor' | 'createdAt'>;

export interface OptOutFilter {
  before?: string;
  limit: number;
}

function toRecord({ _id, entryId, ...rest }: OptOut): OptOutRecord {
  return { phone: _id, cursor: entryId.toHexString(), ...rest };
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

@Injectable()
export class OptOutsRepository {
  constructor(@InjectModel(OptOut.name) private readonly model: Model<OptOut>) {}

  /** Inserts the entry; null when the number is already listed (the existing entry is kept). */
  async insert(entry: NewOptOut): Promise<OptOutRecord | null> {
    const { phone, ...rest } = entry;
    try {
      const created = await this.model.create({ _id: phone, entryId: new Types.ObjectId(), createdAt: new Date(), ...rest });
      return toRecord(created.toObject());
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  async find(phone: string): Promise<OptOutRecord | null> {
    const doc = await this.model.findById(phone).lean<OptOut>();
    return doc ? toRecord(doc) : null;
  }

  /** A driver read: the worker asks before every send, and Mongoose's query layer cost more CPU than the read. */
  async has(phone: string): Promise<boolean> {
    // Numbers are the _id here; the driver's typings assume ObjectIds.
    const byNumber = { _id: phone } as unknown as mongo.Filter<mongo.Document>;
    return (await this.model.collection.findOne(byNumber, { projection: { _id: 1 } })) !== null;
  }

  async listedAmong(phones: string[]): Promise<Set<string>> {
    const docs = await this.model.find({ _id: { $in: phones } }, { _id: 1 }).lean<Pick<OptOut, '_id'>[]>();
    return new Set(docs.map((doc) => doc._id));
  }

  /** True when an entry was removed. */
  async remove(phone: string): Promise<boolean> {
    const result = await this.model.deleteOne({ _id: phone });
    return result.deletedCount > 0;
  }

  async list(filter: OptOutFilter): Promise<OptOutRecord[]> {
    const query = filter.before ? { entryId: { $lt: new Types.ObjectId(filter.before) } } : {};
    const docs = await this.model.find(query).sort({ entryId: -1 }).limit(filter.limit).lean<OptOut[]>();
    return docs.map(toRecord);
  }
}
