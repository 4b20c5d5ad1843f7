import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model, Schema as MongooseSchema, Types } from 'mongoose';
import { insertNew } from '../common/insert-new';
import type { Priority } from '../lanes/priority';
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

  /**
   * When the entry was written. A bulk part is written out long after its acceptance (its dueAt),
   * so only this says whether an entry without its message is an orphan or about to get it.
   * Entries written before this field existed have none: their dueAt stands in.
   */
  @Prop()
  createdAt?: Date;

  @Prop()
  requestId?: string;

  /** The message's lane, so the relay publishes to its queue without reading it; absent: normal. */
  @Prop({ type: String })
  priority?: Priority;
}

export const OutboxEntrySchema = SchemaFactory.createForClass(OutboxEntry);

// the relay: due entries, oldest first
OutboxEntrySchema.index({ dueAt: 1, _id: 1 });

/**
 * An outbox entry written this long ago whose message is still not stored was left by a write that
 * stopped between the two inserts (or failed before its commit point): its message never comes.
 * Judged from when the entry was written, not from its due time: a bulk part written out late has
 * fresh entries due long ago, and their messages follow them within moments.
 */
export const ORPHAN_AFTER_MS = 60_000;

export interface OwedCommand {
  messageId: string;
  dueAt: Date;
  /** When its entry was first written (see OutboxEntry.createdAt). */
  createdAt?: Date;
  requestId?: string;
  /** The lane its command is published to; absent: normal. */
  priority?: Priority;
  /** Published with the command when it goes out at once; the relay publishes without it. */
  stored?: SendHint;
}

type LeanEntry = OutboxEntry & { _id: Types.ObjectId };

@Injectable()
export class OutboxRepository {
  constructor(@InjectModel(OutboxEntry.name) private readonly model: Model<OutboxEntry>) {}

  /** An entry is keyed by its message: adding one that is already owed leaves it as it is. */
  async add(commands: OwedCommand[], createdAt = new Date()): Promise<void> {
    await insertNew(this.model, commands.map(({ messageId, dueAt, requestId, priority, ...command }) => ({
      _id: new Types.ObjectId(messageId), dueAt, createdAt: command.createdAt ?? createdAt, requestId,
      ...(priority && priority !== 'normal' ? { priority } : {}),
    })));
  }

  async due(until: Date, limit: number): Promise<OwedCommand[]> {
    const entries = await this.model.find({ dueAt: { $lte: until } }).sort({ dueAt: 1, _id: 1 }).limit(limit).lean<LeanEntry[]>();
    return entries.map(({ _id, dueAt, createdAt, requestId, priority }) => ({ messageId: _id.toHexString(), dueAt, createdAt, requestId, priority }));
  }

  async settle(messageIds: string[]): Promise<void> {
    if (messageIds.length === 0) return;
    await this.model.deleteMany({ _id: { $in: messageIds.map((id) => new Types.ObjectId(id)) } });
  }
}
