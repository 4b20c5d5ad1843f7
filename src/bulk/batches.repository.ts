import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model, Schema as MongooseSchema, Types } from 'mongoose';
import { MessageStatus } from '../lifecycle/message-status';
import { Message } from '../messages/message.schema';

@Schema({ collection: 'batches', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class Batch {
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true }) _id!: Types.ObjectId;
  @Prop({ required: true }) total!: number;
  @Prop({ required: true }) accepted!: number;
  @Prop({ type: [{ index: Number, reason: String }], default: [] }) rejected!: { index: number; reason: string }[];
  @Prop({ required: true }) createdBy!: string;
  @Prop() requestId?: string;
  @Prop() sendAt?: Date;
  /** Missing: the root project's. */
  @Prop() projectId?: string;
  createdAt!: Date;
}

export const BatchSchema = SchemaFactory.createForClass(Batch);

export interface BatchRecord extends Omit<Batch, '_id'> {
  id: string;
}

/** Statuses whose messages reached Twilio, so their segments count as sent. */
const REACHED_TWILIO = [MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Undelivered];

@Injectable()
export class BatchesRepository {
  constructor(
    @InjectModel(Batch.name) private readonly batches: Model<Batch>,
    @InjectModel(Message.name) private readonly messages: Model<Message>,
  ) {}

  async create(batch: Omit<BatchRecord, 'createdAt'>): Promise<void> {
    const { id, ...rest } = batch;
    await this.batches.create({ _id: new Types.ObjectId(id), ...rest });
  }

  async findById(id: string): Promise<BatchRecord | null> {
    const doc = await this.batches.findById(id).lean<Batch>();
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { id: _id.toHexString(), ...rest };
  }

  /** Two $group queries with one accumulator each: FerretDB answers 0 for a second accumulator. */
  async progress(batchId: string): Promise<{ counts: Record<string, number>; segmentsSent: number }> {
    const counts = await this.messages.aggregate<{ _id: string; n: number }>([
      { $match: { batchId } }, { $group: { _id: '$status', n: { $sum: 1 } } },
    ]);
    const segments = await this.messages.aggregate<{ _id: null; n: number }>([
      { $match: { batchId, status: { $in: REACHED_TWILIO } } }, { $group: { _id: null, n: { $sum: '$segments' } } },
    ]);
    return { counts: Object.fromEntries(counts.map(({ _id, n }) => [_id, n])), segmentsSent: segments[0]?.n ?? 0 };
  }
}
