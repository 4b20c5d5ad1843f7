import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

@Schema({ collection: 'message_locks', versionKey: false })
export class MessageLock {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  token!: string;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const MessageLockSchema = SchemaFactory.createForClass(MessageLock);

/** Long enough for one read-modify-write; a crashed holder's lease is taken over after it. */
const LEASE_MS = 10_000;
const WAIT_LIMIT_MS = 30_000;

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

/**
 * Serialises changes to one message. FerretDB (our test and local store) does not apply a
 * conditional findOneAndUpdate atomically, and concurrent updates of one document can overwrite
 * each other; measured here: 187 of 200 racing claims both "won". What both it and MongoDB do
 * enforce atomically is a unique _id insert, so that is the lease.
 */
@Injectable()
export class MessageLocks {
  constructor(@InjectModel(MessageLock.name) private readonly model: Model<MessageLock>) {}

  async hold<T>(messageId: string, work: () => Promise<T>): Promise<T> {
    const token = await this.acquire(messageId);
    try {
      return await work();
    } finally {
      await this.model.deleteOne({ _id: messageId, token });
    }
  }

  private async acquire(messageId: string): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (let attempt = 0; Date.now() < deadline; attempt += 1) {
      try {
        await this.model.insertMany([{ _id: messageId, token, expiresAt: new Date(Date.now() + LEASE_MS) }], { lean: true });
        return token;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await this.releaseIfExpired(messageId);
      await sleep(Math.min(5 * 2 ** attempt, 100) * (0.5 + Math.random()));
    }
    throw new Error(`message ${messageId} stayed locked for ${WAIT_LIMIT_MS} ms`);
  }

  private async releaseIfExpired(messageId: string): Promise<void> {
    await this.model.deleteOne({ _id: messageId, expiresAt: { $lt: new Date() } });
  }
}
