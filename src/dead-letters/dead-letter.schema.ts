import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** A copy of what was parked in `<queue>.dead`, kept so it can be listed and replayed over HTTP. */
@Schema({ collection: 'dead_letters', versionKey: false })
export class DeadLetter {
  @Prop({ required: true })
  at!: Date;

  @Prop({ required: true })
  queue!: string;

  @Prop({ required: true })
  reason!: string;

  /** The command as it arrived, as text (it may not even be JSON). */
  @Prop({ required: true })
  content!: string;

  @Prop({ type: MongooseSchema.Types.Mixed })
  headers?: Record<string, unknown>;

  @Prop()
  messageId?: string;

  /** Its message's project, or the one its producer command named; missing: the root project. */
  @Prop()
  projectId?: string;

  @Prop()
  replayedAt?: Date;
}

export const DeadLetterSchema = SchemaFactory.createForClass(DeadLetter);

// GET /v1/dead-letters by a root key lists newest first, cursor on _id: the default _id index serves it.
// GET /v1/dead-letters by a project's key: its letters, newest first.
DeadLetterSchema.index({ projectId: 1, _id: -1 });

/** Marks a dead letter replayed; its unique _id makes a replay happen once, even when two race. */
@Schema({ collection: 'dead_letter_replays', versionKey: false })
export class DeadLetterReplay {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  at!: Date;

  @Prop({ required: true })
  actor!: string;
}

export const DeadLetterReplaySchema = SchemaFactory.createForClass(DeadLetterReplay);
