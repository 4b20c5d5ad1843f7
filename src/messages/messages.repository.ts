import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo, Types } from 'mongoose';
import { insertNew } from '../common/insert-new';
import { withoutUndefined } from '../common/without-undefined';
import { fold, LoggedChange } from '../lifecycle/logged-change';
import { MessageStatus } from '../lifecycle/message-status';
import { Message } from './message.schema';
import { MessageRecord, NewMessage } from './message.record';

export interface MessageFilter {
  /** Only this project's messages; unset: every project's. */
  projectId?: string;
  status?: MessageStatus;
  to?: string;
  /** Id of the last item of the previous page: results are older than it. */
  before?: string;
  limit: number;
}

type LeanMessage = Message & { _id: Types.ObjectId };

function toRecord(doc: LeanMessage): MessageRecord {
  const { _id, ...rest } = doc;
  return { id: _id.toHexString(), ...rest, version: rest.version ?? 1 } as MessageRecord;
}

function toDocument({ id, ...message }: NewMessage, acceptedAt = new Date()) {
  const status = message.sendAt ? MessageStatus.Scheduled : MessageStatus.Queued;
  return { ...(id ? { _id: new Types.ObjectId(id) } : {}), ...message, status, version: 1, history: [{ status, at: acceptedAt }] };
}

@Injectable()
export class MessagesRepository {
  constructor(@InjectModel(Message.name) private readonly model: Model<Message>) {}

  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async create(message: NewMessage): Promise<MessageRecord> {
    const created = await this.model.create(toDocument(message));
    return toRecord(created.toObject() as LeanMessage);
  }

  /**
   * Many messages in one round trip (bulk sends, concurrent single sends); their records, in order.
   * A message already stored under its id is left as it is: a batch part expanded again after a
   * restart must not reset messages that have moved on. `acceptedAt`: when they were accepted.
   */
  async createMany(messages: NewMessage[], acceptedAt = new Date()): Promise<MessageRecord[]> {
    // A lean insert skips Mongoose's defaults and timestamps, which later steps rely on: set them here.
    const docs = messages.map((message) => withoutUndefined({
      ...toDocument(message, acceptedAt), attempts: 0, createdAt: acceptedAt, updatedAt: acceptedAt,
    }));
    await insertNew(this.model, docs);
    return docs.map((doc) => toRecord(doc as LeanMessage));
  }

  /** A producer's command may arrive twice: its producerId (unique) makes the second a lookup. */
  async createOnce(message: NewMessage & { producerId: string }): Promise<{ message: MessageRecord; created: boolean }> {
    try {
      return { message: await this.create(message), created: true };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      const existing = await this.model.findOne({ producerId: message.producerId }).lean<LeanMessage>();
      if (!existing) throw error;
      return { message: toRecord(existing), created: false };
    }
  }

  /** Which of these ids exist: the outbox relay drops entries whose message was never stored. */
  async existing(ids: string[]): Promise<Set<string>> {
    const docs = await this.model.find({ _id: { $in: ids } }, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>();
    return new Set(docs.map((doc) => doc._id.toHexString()));
  }

  /**
   * Messages whose final status Twilio should be asked for: in one of `statuses`, holding a Twilio
   * SID, and unchanged since `lastChangeBefore`. updatedAt stands in for the last status change: it
   * moves with every change, so it is never earlier than it. Ordered by _id from `after`, so that
   * successive batches rotate through messages Twilio keeps reporting unchanged. Served by the
   * {status, _id} index, one status at a time: FerretDB hands a plain equality on status to its
   * store's index, while an `$in` makes it read the whole collection.
   */
  async findStuck(statuses: MessageStatus[], lastChangeBefore: Date, limit: number, after?: string): Promise<MessageRecord[]> {
    const found = await Promise.all(statuses.map((status) => {
      const query: Record<string, unknown> = { status, twilioSid: { $exists: true }, updatedAt: { $lt: lastChangeBefore } };
      if (after) query._id = { $gt: new Types.ObjectId(after) };
      return this.model.find(query).sort({ _id: 1 }).limit(limit).lean<LeanMessage[]>();
    }));
    return found.flat().sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString())).slice(0, limit).map(toRecord);
  }

  async findById(id: string): Promise<MessageRecord | null> {
    const doc = await this.model.findById(id).lean<LeanMessage>();
    return doc ? toRecord(doc) : null;
  }

  async list(filter: MessageFilter): Promise<MessageRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.projectId) query.projectId = filter.projectId;
    if (filter.status) query.status = filter.status;
    if (filter.to) query.to = filter.to;
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanMessage[]>();
    return docs.map(toRecord);
  }

  /**
   * Which of these numbers a project's messages went to (its opt-out list). One equality lookup a
   * number on the {to, _id} index: an `$in` is not pushed down on FerretDB and would scan.
   */
  async recipientsAmong(projectId: string, phones: string[]): Promise<Set<string>> {
    const found = await Promise.all(phones.map((to) => this.model.exists({ to, projectId })));
    return new Set(phones.filter((_, index) => found[index] !== null));
  }

  /** The message that holds this Twilio SID, if any: a found send is only taken if it is nobody else's. */
  async holderOf(twilioSid: string): Promise<string | null> {
    const doc = await this.model.findOne({ twilioSid }, { _id: 1 }).lean<{ _id: Types.ObjectId }>();
    return doc ? doc._id.toHexString() : null;
  }

  /**
   * Projects logged status changes onto the document, if it still shows the version before the
   * first of them: one conditional write. Null when it shows another version (src/lifecycle/status-log.ts
   * says why that is safe and what happens then).
   */
  async project(id: string, changes: LoggedChange[]): Promise<MessageRecord | null> {
    const { status, version, set, unset, history } = fold(changes);
    const before = changes[0].seq - 1;
    // Messages stored before versions existed are at version 1.
    const _id = new Types.ObjectId(id);
    const filter = before === 1 ? { _id, $or: [{ version: 1 }, { version: { $exists: false } }] } : { _id, version: before };
    // A driver write (every status change makes one): the fields are already typed, so Mongoose's
    // casting is only CPU; `updatedAt` is what the schema's timestamps would have set.
    const update: mongo.UpdateFilter<Message> = {
      $set: { ...set, status, version, updatedAt: new Date() },
      $push: { history: { $each: history } },
      ...(unset.length ? { $unset: Object.fromEntries(unset.map((key) => [key, 1])) } : {}),
    };
    const updated = await this.model.collection.findOneAndUpdate(filter, update as mongo.UpdateFilter<mongo.Document>, { returnDocument: 'after' });
    return updated ? toRecord(updated as unknown as LeanMessage) : null;
  }
}
