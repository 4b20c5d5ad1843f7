import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { IdempotencyRecord } from './idempotency-record.schema';

export interface StoredKey {
  fingerprint: string;
  response?: unknown;
  expiresAt: Date;
  claimedAt?: Date;
  reservedId?: string;
}

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectModel(IdempotencyRecord.name) private readonly model: Model<IdempotencyRecord>) {}

  /** True if this call took the key; false if someone holds it already. */
  async claim(id: string, key: Omit<StoredKey, 'response'>): Promise<boolean> {
    try {
      await this.model.create({ _id: id, ...key });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  async find(id: string): Promise<StoredKey | null> {
    return this.model.findById(id).lean<StoredKey>();
  }

  /** Only the request that claimed the key writes it, so this update has no competitor. */
  async complete(id: string, response: unknown): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { response } });
  }

  async release(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id });
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.model.deleteMany({ expiresAt: { $lt: now } })).deletedCount;
  }
}
