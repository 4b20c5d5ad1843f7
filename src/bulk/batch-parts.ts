import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model, Schema as MongooseSchema, Types } from 'mongoose';
import { projectField } from '../common/request-context';
import { withoutUndefined } from '../common/without-undefined';
import type { Priority } from '../lanes/priority';
import { NewMessage } from '../messages/message.record';

/** Recipients per part: a part stays far below the 16 MB document limit even at 1,600-character texts. */
export const PART_SIZE = 1000;

/**
 * Up to PART_SIZE accepted messages of one bulk send, stored as columns (one array per field) in
 * a single document, until they are written out as messages. A bulk send is accepted once its
 * parts and then its batch are stored (its commit point): a few documents instead of 30,000
 * (messages, their outbox entries and audit entries, the batch's own among them), which the
 * expander writes after the answer. A part whose batch was never stored belongs to a request that
 * failed, and is dropped.
 */
@Schema({ collection: 'batch_parts', versionKey: false })
export class BatchPart {
  @Prop({ type: MongooseSchema.Types.ObjectId, required: true }) _id!: Types.ObjectId;
  @Prop({ required: true }) batchId!: string;
  @Prop({ required: true }) acceptedAt!: Date;
  @Prop({ required: true }) createdBy!: string;
  @Prop() requestId?: string;
  @Prop() sendAt?: Date;
  /** The batch's project; missing: root. */
  @Prop() projectId?: string;
  /** Every message of the batch posts its events there (its statusCallback). */
  @Prop() statusCallback?: string;
  /** The batch's counts, for its acceptance entry, which each part's write records (stored once). */
  @Prop() accepted?: number;
  @Prop() rejected?: number;
  /** The lane of every message of the batch; absent on parts of older versions: normal, as they were accepted. */
  @Prop({ type: String }) priority?: Priority;
  // Columns: the i-th message is ids[i], to[i], bodies[i], segments[i], encodings[i].
  @Prop({ type: [String], required: true }) ids!: string[];
  @Prop({ type: [String], required: true }) to!: string[];
  @Prop({ type: [String], required: true }) bodies!: string[];
  @Prop({ type: [Number], required: true }) segments!: number[];
  @Prop({ type: [String], required: true }) encodings!: string[];
  /** Per message, when quiet hours or expiry differ by recipient (null: none); absent on older parts. */
  @Prop({ type: [Date] }) sendAts?: (Date | null)[];
  @Prop({ type: [Date] }) expiresAts?: (Date | null)[];
}

export const BatchPartSchema = SchemaFactory.createForClass(BatchPart);

/** What every message of a batch shares. */
export interface BatchOrigin {
  batchId: string;
  acceptedAt: Date;
  createdBy: string;
  requestId?: string;
  sendAt?: Date;
  /** Unset for the root project. */
  projectId?: string;
  statusCallback?: string;
  /** How many recipients the batch accepted and rejected; absent on parts of older versions, whose request audited the batch itself. */
  accepted?: number;
  rejected?: number;
  priority?: Priority;
}

/** A stored part, read back: its messages with their batch's fields. */
export interface StagedPart {
  id: string;
  origin: BatchOrigin;
  messages: (NewMessage & { id: string })[];
}

type LeanPart = BatchPart & { _id: Types.ObjectId };

function toStaged(part: LeanPart): StagedPart {
  const { _id, batchId, acceptedAt, createdBy, requestId, sendAt, projectId, statusCallback, accepted, rejected, priority } = part;
  const { ids, to, bodies, segments, encodings, sendAts, expiresAts } = part;
  const origin = { batchId, acceptedAt, createdBy, requestId, sendAt, ...projectField(projectId), statusCallback, accepted, rejected, priority };
  return {
    id: _id.toHexString(),
    origin,
    messages: ids.map((id, i) => ({
      id, to: to[i], from: null, body: bodies[i], segments: segments[i], encoding: encodings[i], batchId, createdBy, requestId, ...projectField(projectId),
      sendAt: sendAts ? (sendAts[i] ?? undefined) : sendAt, expiresAt: expiresAts?.[i] ?? undefined, priority: priority ?? 'normal',
      ...(statusCallback ? { statusCallback } : {}),
    })),
  };
}

function toDocument({ id, origin, messages }: StagedPart): LeanPart {
  return withoutUndefined({
    _id: new Types.ObjectId(id), ...origin,
    ids: messages.map((m) => m.id), to: messages.map((m) => m.to), bodies: messages.map((m) => m.body),
    segments: messages.map((m) => m.segments), encodings: messages.map((m) => m.encoding),
    sendAts: messages.map((m) => m.sendAt ?? null), expiresAts: messages.map((m) => m.expiresAt ?? null),
  });
}

@Injectable()
export class BatchPartsRepository {
  constructor(@InjectModel(BatchPart.name) private readonly model: Model<BatchPart>) {}

  /** Splits the messages into parts and stores them in one insert; the parts, as stored. */
  async stage(origin: BatchOrigin, messages: (NewMessage & { id: string })[]): Promise<StagedPart[]> {
    const staged: StagedPart[] = [];
    for (let start = 0; start < messages.length; start += PART_SIZE) {
      staged.push({ id: new Types.ObjectId().toHexString(), origin, messages: messages.slice(start, start + PART_SIZE) });
    }
    if (staged.length > 0) await this.model.insertMany(staged.map(toDocument), { ordered: false, lean: true });
    return staged;
  }

  /** Parts stored before `stagedBefore` (the time in their id), oldest first. */
  async waiting(stagedBefore: Date, limit: number): Promise<StagedPart[]> {
    const before = Types.ObjectId.createFromTime(Math.floor(stagedBefore.getTime() / 1000));
    const docs = await this.model.find({ _id: { $lt: before } }).sort({ _id: 1 }).limit(limit).lean<LeanPart[]>();
    return docs.map(toStaged);
  }

  async remove(id: string): Promise<void> {
    await this.model.deleteOne({ _id: new Types.ObjectId(id) });
  }
}
