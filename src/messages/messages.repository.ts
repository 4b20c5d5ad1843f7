import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, UpdateQuery } from 'mongoose';
import { insertNew } from '../common/insert-new';
import { withoutUndefined } from '../common/without-undefined';
import { canTransition, MessageStatus } from './message-status';
import { MessageLocks } from './message-lock';
import { Message } from './message.schema';
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

/**
 * Sets `fields` and the last failure, which replaces the previous one whole: a network error has
 * no code and must not keep the code of the attempt before it.
 */
function toDocument({ id, ...message }: NewMessage, acceptedAt = new Date()) {
  const status = message.sendAt ? MessageStatus.Scheduled : MessageStatus.Queued;
  return { ...(id ? { _id: new Types.ObjectId(id) } : {}), ...message, status, history: [{ status, at: acceptedAt }] };
}

/** A scheduled message becomes sendable at its time; the relay publishes it then, a stray early command waits. */
function isSendable(message: LeanMessage): boolean {
  if (message.status === MessageStatus.Queued) return true;
  return message.status === MessageStatus.Scheduled && (message.sendAt?.getTime() ?? 0) <= Date.now() + 1000;
}

function withFailure(failure: ProviderFailure, fields: Record<string, unknown>): UpdateQuery<Message> {
  const error = { errorCode: failure.code, errorMessage: failure.message, errorDescription: failure.description };
  const present = Object.fromEntries(Object.entries(error).filter(([, value]) => value !== undefined));
  const missing = Object.keys(error).filter((key) => !(key in present));
  return { $set: { ...fields, ...present }, ...(missing.length ? { $unset: Object.fromEntries(missing.map((key) => [key, 1])) } : {}) };
}

const CLEAR_FAILURE = { errorCode: 1, errorMessage: 1, errorDescription: 1 } as const;

function change(status: MessageStatus, detail?: string) {
  return { history: { status, at: new Date(), ...(detail ? { detail } : {}) } };
}

export interface AdvanceOptions {
  fields?: Partial<Pick<MessageRecord, 'twilioSid' | 'errorCode' | 'errorMessage' | 'errorDescription'>>;
  /** Said in the history entry. */
  detail?: string;
  /** Which moves apply: forward ones (canTransition) unless said otherwise (a Twilio report takes fewer). */
  moves?: (from: MessageStatus, to: MessageStatus) => boolean;
  /** The status the message is almost always in for this change: tried first, without a read (mutateExpecting). */
  likelyFrom?: MessageStatus;
}

@Injectable()
export class MessagesRepository {
  constructor(
    @InjectModel(Message.name) private readonly model: Model<Message>,
    private readonly locks: MessageLocks,
  ) {}

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
    if (filter.status) query.status = filter.status;
    if (filter.to) query.to = filter.to;
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanMessage[]>();
    return docs.map(toRecord);
  }

  /**
   * Takes a queued (or due scheduled) message for sending; only one caller wins, the others and
   * redeliveries get null.
   */
  claimForSending(id: string): Promise<MessageRecord | null> {
    const claim = () => ({ $set: { status: MessageStatus.Sending }, $inc: { attempts: 1 }, $push: change(MessageStatus.Sending) });
    return this.mutateExpecting(id, MessageStatus.Queued, claim, (current) => (isSendable(current) ? claim() : null));
  }

  /** Cancels a message not yet sent; null if it is past that. */
  cancel(id: string): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      [MessageStatus.Queued, MessageStatus.Scheduled].includes(current.status)
        ? { $set: { status: MessageStatus.Canceled }, $push: change(MessageStatus.Canceled, 'canceled on request') }
        : null,
    );
  }

  /**
   * Moves a message forward to `status`, and never backwards: a late `sent` after `delivered`
   * changes nothing. Returns the updated message, or null when nothing changed.
   */
  advance(id: string, status: MessageStatus, options: AdvanceOptions = {}): Promise<MessageRecord | null> {
    const { fields = {}, detail, moves = canTransition, likelyFrom } = options;
    const update = () => ({ $set: { status, ...fields }, $push: change(status, detail) });
    const decide = (current: LeanMessage) => (moves(current.status, status) ? update() : null);
    return likelyFrom && moves(likelyFrom, status) ? this.mutateExpecting(id, likelyFrom, update, decide) : this.mutate(id, decide);
  }

  /** Records the SID even when a callback already moved the message past `sent`. */
  recordSent(id: string, twilioSid: string): Promise<MessageRecord | null> {
    // Errors of earlier attempts stay in the history; the message itself no longer has one.
    const sent = () => ({ $set: { status: MessageStatus.Sent, twilioSid }, $unset: CLEAR_FAILURE, $push: change(MessageStatus.Sent) });
    return this.mutateExpecting(id, MessageStatus.Sending, sent, (current) => {
      if (canTransition(current.status, MessageStatus.Sent)) return sent();
      return current.twilioSid ? null : { $set: { twilioSid } };
    }).then((updated) => (updated?.status === MessageStatus.Sent ? updated : null));
  }

  /**
   * A transient failure: back to `queued` for another attempt. This is the one move against the
   * lifecycle's order, made only by the worker that holds the message in `sending`.
   */
  requeueForRetry(id: string, failure: ProviderFailure, detail: string): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      // `sending`: the worker's own failed attempt; `sent`: Twilio reported a transient failure later.
      [MessageStatus.Sending, MessageStatus.Sent].includes(current.status)
        ? { ...withFailure(failure, { status: MessageStatus.Queued }), $push: change(MessageStatus.Queued, detail) }
        : null,
    );
  }

  /** A message left in `sending` by a worker that died: taken over once its last change is old enough. */
  reclaimStale(id: string, staleBefore: Date): Promise<MessageRecord | null> {
    return this.mutate(id, (current) => {
      const since = current.history.at(-1)?.at ?? current.updatedAt;
      if (current.status !== MessageStatus.Sending || since >= staleBefore) return null;
      return { $inc: { attempts: 1 }, $push: change(MessageStatus.Sending, 'taken over from a worker that stopped mid-send') };
    });
  }

  /** Replay of a dead-lettered send: a failed message gets a fresh set of attempts. */
  requeueFailed(id: string, detail: string): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      current.status === MessageStatus.Failed
        ? { $set: { status: MessageStatus.Queued, attempts: 0 }, $push: change(MessageStatus.Queued, detail) }
        : null,
    );
  }

  recordFailure(id: string, failure: ProviderFailure): Promise<MessageRecord | null> {
    return this.mutate(id, (current) =>
      canTransition(current.status, MessageStatus.Failed)
        ? { ...withFailure(failure, { status: MessageStatus.Failed }), $push: change(MessageStatus.Failed, failure.description) }
        : null,
    );
  }

  /**
   * A change whose caller knows the status the message is almost always in (the worker claims a
   * `queued` message, then records `sent` for the one it holds `sending`): under the lease, one
   * write conditioned on that status, without a first read. A message found otherwise (a
   * redelivered command, a callback that got there first, a due scheduled message) goes the
   * general way: read it, `decide`.
   */
  private async mutateExpecting(
    id: string, expected: MessageStatus, update: () => UpdateQuery<Message>, decide: (current: LeanMessage) => UpdateQuery<Message> | null,
  ): Promise<MessageRecord | null> {
    const updated = await this.locks.hold(id, () =>
      this.model.findOneAndUpdate({ _id: id, status: expected }, update(), { returnDocument: 'after' }).lean<LeanMessage>());
    return updated ? toRecord(updated) : this.mutate(id, decide);
  }

  /**
   * Every change to an existing message: read, decide, write, under the message's lease. A first
   * unlocked read settles the common "nothing to do" (a late callback, a duplicate command)
   * without taking the lease: a no-op seen on a stale read stays a no-op, as statuses only
   * move forward.
   */
  private async mutate(id: string, decide: (current: LeanMessage) => UpdateQuery<Message> | null): Promise<MessageRecord | null> {
    const glance = await this.model.findById(id).lean<LeanMessage>();
    if (!glance || !decide(glance)) return null;
    return this.locks.hold(id, async () => {
      // Usually nothing changed between the glance and the lease: apply the glance's decision to
      // the document as it was then (last change and attempts unchanged). Writers all hold the
      // lease, so nothing moves it meanwhile; only if it moved before, read again and decide anew.
      const unchanged = { _id: glance._id, updatedAt: glance.updatedAt, status: glance.status, attempts: glance.attempts ?? 0 };
      const updated = await this.model.findOneAndUpdate(unchanged, decide(glance)!, { returnDocument: 'after' }).lean<LeanMessage>();
      if (updated) return toRecord(updated);
      const current = await this.model.findById(id).lean<LeanMessage>();
      const update = current ? decide(current) : null;
      if (!update) return null;
      const fresh = await this.model.findByIdAndUpdate(id, update, { returnDocument: 'after' }).lean<LeanMessage>();
      return fresh ? toRecord(fresh) : null;
    });
  }
}
