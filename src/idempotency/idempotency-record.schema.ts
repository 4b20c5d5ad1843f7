import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

@Schema({ collection: 'idempotency_keys', versionKey: false })
export class IdempotencyRecord {
  /** `<actor>:<key>`: keys are per caller, and the unique _id makes the first request win atomically. */
  @Prop({ type: String, required: true })
  _id!: string;

  /** SHA-256 of the request body: the same key with another body is a client bug (422). */
  @Prop({ required: true })
  fingerprint!: string;

  @Prop({ type: MongooseSchema.Types.Mixed })
  response?: unknown;

  @Prop({ required: true })
  expiresAt!: Date;

  /** When the first request took the key: until IN_PROGRESS_MS later, a repeat is told to wait. */
  @Prop()
  claimedAt?: Date;

  /**
   * The id the first request chose for what it creates (the message), before writing anything: a
   * repeat finds it stored, or writes it under the same id, so a key never makes two.
   */
  @Prop()
  reservedId?: string;
}

export const IdempotencyRecordSchema = SchemaFactory.createForClass(IdempotencyRecord);

// the purge of expired keys (FerretDB has no TTL indexes, so the app deletes them itself)
IdempotencyRecordSchema.index({ expiresAt: 1 });
