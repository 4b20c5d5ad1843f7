import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { DeadLetter, DeadLetterReplay } from './dead-letter.schema';

export interface DeadLetterRecord extends DeadLetter {
  id: string;
}

type LeanDeadLetter = DeadLetter & { _id: Types.ObjectId };

const toRecord = ({ _id, ...rest }: LeanDeadLetter): DeadLetterRecord => ({ id: _id.toHexString(), ...rest });

@Injectable()
export class DeadLettersRepository {
  constructor(
    @InjectModel(DeadLetter.name) private readonly model: Model<DeadLetter>,
    @InjectModel(DeadLetterReplay.name) private readonly replays: Model<DeadLetterReplay>,
  ) {}

  /** Writes the letter under `id`; a second write of the same id (a retry after a lost answer) is a no-op. */
  async addOnce(id: string, letter: DeadLetter): Promise<void> {
    try {
      await this.model.create({ _id: new Types.ObjectId(id), ...letter });
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }

  async findById(id: string): Promise<DeadLetterRecord | null> {
    const doc = await this.model.findById(id).lean<LeanDeadLetter>();
    return doc ? toRecord(doc) : null;
  }

  /** `projectId`: only that project's; unset: every project's. */
  async list(filter: { before?: string; limit: number; replayed?: boolean; projectId?: string }): Promise<DeadLetterRecord[]> {
    const query: Record<string, unknown> = filter.projectId ? { projectId: filter.projectId } : {};
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    if (filter.replayed !== undefined) query.replayedAt = { $exists: filter.replayed };
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanDeadLetter[]>();
    return docs.map(toRecord);
  }

  /** True for the one caller that gets to replay this dead letter. */
  async claimReplay(id: string, actor: string): Promise<boolean> {
    try {
      await this.replays.create({ _id: id, at: new Date(), actor });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
    await this.model.updateOne({ _id: id }, { $set: { replayedAt: new Date() } });
    return true;
  }

  async releaseReplay(id: string): Promise<void> {
    await this.replays.deleteOne({ _id: id });
    await this.model.updateOne({ _id: id }, { $unset: { replayedAt: 1 } });
  }
}
