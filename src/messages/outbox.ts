import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model, Schema as MongooseSchema, Types } from 'mongoose';
import { insertNew } from '../common/insert-new';
import type { SendHint } from '../queue/send-hint';

/**
 * A send command still owed to the broker. Kept apart from the message document on purpose: only
 * the API and its relay write here, by insert and delete, so nothing races the worker's updates
 * of the message (FerretDB loses concurrent updates of one document). An entry is written before
 * its message and deleted once the broker confirms the command.
 */
@Schema({ collection: 'outbox', versionKey: false })
export class OutboxEntry {
  /** The message's id. */
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  /** When the command is due: acceptance for an immediate send, `sendAt` for a scheduled one. */
  @Prop({ required: true })
  dueAt!: Date;

  @Prop()
  requestId?: string;
}

export const OutboxEntrySchema = SchemaFactory.createForClass(OutboxEntry);

// the relay: due entries, oldest first
OutboxEntrySchema.index({ dueAt: 1, _id: 1 });

export interface OwedCommand {
  messageId: string;
  dueAt: Date;
  requestId?: string;
  /** Published with the command when it goes out at once; the relay publishes without it. */
  stored?: SendHint;
}

@Injectable()
export class OutboxRepository {
  constructor(@InjectModel(OutboxEntry.name) private readonly model: Model<OutboxEntry>) {}

  /** An entry is keyed by its message: adding one that is already owed leaves it as it is. */
  async add(commands: OwedCommand[]): Promise<void> {
    await insertNew(this.model, commands.map(({ messageId, dueAt, requestId }) => ({ _id: new Types.ObjectId(messageId), dueAt, requestId })));
  }

  async due(until: Date, limit: number): Promise<OwedCommand[]> {
    const entries = await this.model.find({ dueAt: { $lte: until } }).sort({ dueAt: 1, _id: 1 }).limit(limit)
      .lean<(OutboxEntry & { _id: Types.ObjectId })[]>();
    return entries.map(({ _id, dueAt, requestId }) => ({ messageId: _id.toHexString(), dueAt, requestId }));
  }

  async settle(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.model.deleteMany({ _id: { $in: messageIds.map((id) => new Types.ObjectId(id)) } });
  }
}
