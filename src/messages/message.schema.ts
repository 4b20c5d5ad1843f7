import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Schema as MongooseSchema } from 'mongoose';
import { MESSAGE_STATUSES, MessageStatus } from '../lifecycle/message-status';

@Schema({ _id: false })
export class StatusChange {
  @Prop({ required: true, enum: MESSAGE_STATUSES, type: String })
  status!: MessageStatus;

  @Prop({ required: true })
  at!: Date;

  @Prop()
  detail?: string;
}

@Schema({ collection: 'messages', timestamps: true, versionKey: false })
export class Message {
  @Prop({ required: true })
  to!: string;

  @Prop({ type: String, default: null })
  from!: string | null;

  @Prop({ required: true })
  body!: string;

  @Prop({ required: true })
  segments!: number;

  @Prop({ required: true })
  encoding!: string;

  /** Set when smart encoding was on: what the text would have cost as written. */
  @Prop({ type: MongooseSchema.Types.Mixed })
  smartEncoding?: { segmentsBefore: number; encodingBefore: string; replaced: number };

  @Prop({ required: true, enum: MESSAGE_STATUSES, type: String })
  status!: MessageStatus;

  /** A scheduled send: not before this time. */
  @Prop()
  sendAt?: Date;

  /** Not handed to Twilio by then, it ends `expired`. */
  @Prop()
  expiresAt?: Date;

  /** The lane it waits in (src/lanes); absent on messages stored before lanes existed: normal. */
  @Prop({ type: String, enum: ['high', 'normal', 'low'] })
  priority?: 'high' | 'normal' | 'low';

  /** Set on messages accepted together by POST /v1/messages/bulk. */
  @Prop()
  batchId?: string;

  @Prop({ type: [SchemaFactory.createForClass(StatusChange)], default: [] })
  history!: StatusChange[];

  @Prop({ default: 0 })
  attempts!: number;

  /** How many of its logged status changes the document shows (src/lifecycle/status-log.ts). */
  @Prop({ default: 1 })
  version!: number;

  @Prop()
  twilioSid?: string;

  @Prop()
  errorCode?: number;

  @Prop()
  errorMessage?: string;

  @Prop()
  errorDescription?: string;

  @Prop({ type: MongooseSchema.Types.Mixed })
  metadata?: Record<string, string>;

  @Prop({ required: true })
  createdBy!: string;

  @Prop()
  requestId?: string;

  /** Set by producers publishing to RabbitMQ directly; a repeated command with it is not a new message. */
  @Prop()
  producerId?: string;

  /** The project whose key (or producer command) sent it; missing: the root project. */
  @Prop()
  projectId?: string;

  /** The sender's URL for this message's own events (POST /v1/messages `statusCallback`). */
  @Prop()
  statusCallback?: string;

  createdAt!: Date;
  updatedAt!: Date;
}

export type MessageDocument = HydratedDocument<Message>;
export const MessageSchema = SchemaFactory.createForClass(Message);

// GET /v1/messages by a project's key (newest first, cursor on _id). Its ?status= and ?to= lists
// use the indexes below and filter by project; its delivery reports use {createdAt} and filter too,
// reading no more than a root key's report of the same range. One index, not three: each costs
// every send a write (and on FerretDB a GIN index beside it, scripts/ferretdb-pg-indexes.sql).
MessageSchema.index({ projectId: 1, _id: -1 });
// GET /v1/messages?status= (newest first, cursor on _id)
MessageSchema.index({ status: 1, _id: -1 });
// GET /v1/messages?to= (newest first, cursor on _id)
MessageSchema.index({ to: 1, _id: -1 });
// status callbacks and reconciliation look a message up by its Twilio SID
MessageSchema.index({ twilioSid: 1 }, { unique: true, sparse: true });
// GET /v1/batches/:id progress: counts by status within a batch
MessageSchema.index({ batchId: 1, status: 1 }, { sparse: true });
// producer commands: deduplication by the producer's own id
MessageSchema.index({ producerId: 1 }, { unique: true, sparse: true });
// GET /v1/reports/delivery: messages accepted in a time range (whole range, one UTC day, delivered ones)
MessageSchema.index({ createdAt: 1 });
