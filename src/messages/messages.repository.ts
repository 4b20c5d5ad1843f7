import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, UpdateQuery } from 'mongoose';
import { canTransition, MessageStatus } from './message-status';
import { MessageLocks } from './message-lock';
import { DispatchState, Message } from './message.schema';
import { MessageRecord, NewMessage, ProviderFailure } from './message.record';

export interface MessageFilter {
  status?: MessageStatus;
  to?: string;
  /** Id of the last item of the previous page: results are older than it. */
  before?: string;
  limit: number;
}

type LeanMessage = Message & { _id: Types.ObjectId };

function toRecord(doc: LeanMessage): MessageRecord {
  const { _id, ...rest } = doc;
  return { id: _id.toHexString(), ...rest } as MessageRecord;
}

function change(status: MessageStatus, detail?: string) {
  return { history: { status, at: new Date(), ...(detail ? { detail } : {}) } };
}

@Injectable()
export class MessagesRepository {
  constructor(
    @InjectModel(Message.name) private readonly model: Model<Message>,
    private readonly locks: MessageLocks,
  ) {}

  async create(message: NewMessage): Promise<MessageRecord> {
    const created = await this.model.create({
      ...message,
      status: MessageStatus.Queued,
      dispatch: DispatchState.Pending,
      history: [{ status: MessageStatus.Queued, at: new Date() }],
    });
    return toRecord(created.toObject() as LeanMessage);
  }

  async markPublished(id: string): Promise<void> {
    await this.mutate(id, () => ({ $set: { dispatch: DispatchState.Published } }));
  }

  async findById(id: string): Promise<MessageRecord | null> {
    const doc = await this.model.findById(id).lean<LeanMessage>();
    return doc ? toRecord(doc) : null;
  }

  async list(filter: MessageFilter): Promise<MessageRecord[]> {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.to) query.to = filter.to;
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanMessage[]>();
    return docs.map(toRecord);
  }

  /** Takes a queued message for sending; only one caller wins, the others (and redeliveries) get null. */
  claimForSending(id: string): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      current.status === MessageStatus.Queued
        ? { $set: { status: MessageStatus.Sending }, $inc: { attempts: 1 }, $push: change(MessageStatus.Sending) }
        : null,
    );
  }

  /**
   * Moves a message forward to `status`, and never backwards: a late `sent` after `delivered`
   * changes nothing. Returns the updated message, or null when nothing changed.
   */
  advance(
    id: string,
    status: MessageStatus,
    fields: Partial<Pick<MessageRecord, 'twilioSid' | 'errorCode' | 'errorMessage' | 'errorDescription'>> = {},
    detail?: string,
  ): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      canTransition(current.status, status) ? { $set: { status, ...fields }, $push: change(status, detail) } : null,
    );
  }

  /** Records the SID even when a callback already moved the message past `sent`. */
  recordSent(id: string, twilioSid: string): Promise<MessageRecord | null> {
    return this.mutate(id, (current) => {
      if (canTransition(current.status, MessageStatus.Sent)) {
        return { $set: { status: MessageStatus.Sent, twilioSid }, $push: change(MessageStatus.Sent) };
      }
      return current.twilioSid ? null : { $set: { twilioSid } };
    }).then((updated) => (updated?.status === MessageStatus.Sent ? updated : null));
  }

  recordFailure(id: string, failure: ProviderFailure): Promise<MessageRecord | null> {
    return this.advance(
      id,
      MessageStatus.Failed,
      { errorCode: failure.code, errorMessage: failure.message, errorDescription: failure.description },
      failure.description,
    );
  }

  /** Every change to an existing message: read, decide, write, under the message's lease. */
  private mutate(id: string, decide: (current: LeanMessage) => UpdateQuery<Message> | null): Promise<MessageRecord | null> {
    return this.locks.hold(id, async () => {
      const current = await this.model.findById(id).lean<LeanMessage>();
      const update = current ? decide(current) : null;
      if (!update) return null;
      const updated = await this.model.findByIdAndUpdate(id, update, { returnDocument: 'after' }).lean<LeanMessage>();
      return updated ? toRecord(updated) : null;
    });
  }
}
