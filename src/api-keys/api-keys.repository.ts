import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { ApiKey } from './api-key.schema';

export interface ApiKeyRecord extends ApiKey {
  id: string;
}

type ApiKeyDocument = ApiKey & { _id: Types.ObjectId };

function toRecord({ _id, ...rest }: ApiKeyDocument): ApiKeyRecord {
  return { id: _id.toHexString(), ...rest };
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectModel(ApiKey.name) private readonly model: Model<ApiKey>) {}

  async insert(key: ApiKey): Promise<ApiKeyRecord> {
    const created = await this.model.create(key);
    return toRecord(created.toObject<ApiKeyDocument>());
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.model.findOne({ hash }).lean<ApiKeyDocument>();
    return doc ? toRecord(doc) : undefined;
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.model.findById(id).lean<ApiKeyDocument>();
    return doc ? toRecord(doc) : undefined;
  }

  /**
   * Newest first; only `projectId`'s when given. Keys are created by operators, so there are tens,
   * not thousands: no paging.
   */
  async list(projectId?: string): Promise<ApiKeyRecord[]> {
    const docs = await this.model.find(projectId ? { projectId } : {}).sort({ _id: -1 }).lean<ApiKeyDocument[]>();
    return docs.map(toRecord);
  }

  /**
   * Sets revokedAt unless it is already set. `revokedNow` tells this call apart from a repeat; on
   * FerretDB two simultaneous revocations may both report it, which only costs a second audit entry.
   */
  async revoke(id: string, at: Date): Promise<{ record: ApiKeyRecord; revokedNow: boolean } | undefined> {
    const _id = new Types.ObjectId(id);
    const { modifiedCount } = await this.model.updateOne({ _id, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
    const doc = await this.model.findById(_id).lean<ApiKeyDocument>();
    return doc ? { record: toRecord(doc), revokedNow: modifiedCount > 0 } : undefined;
  }
}
