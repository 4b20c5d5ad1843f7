import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** What a status change made of its message (src/lifecycle/status-log.ts folds these onto the document). */
export interface LoggedFields {
  status: string;
  set?: Record<string, unknown>;
  unset?: string[];
  detail?: string;
}

@Schema({ collection: 'audit_log', versionKey: false })
export class AuditEntry {
  @Prop({ required: true })
  at!: Date;

  /** `apikey:<fingerprint>`, `producer`, `worker` or `twilio`: never a secret. */
  @Prop({ required: true })
  actor!: string;

  @Prop({ required: true })
  action!: string;

  @Prop()
  messageId?: string;

  /** The project it is about; missing: the root project (src/common/request-context.ts). */
  @Prop()
  projectId?: string;

  @Prop()
  requestId?: string;

  @Prop({ type: MongooseSchema.Types.Mixed })
  details?: Record<string, unknown>;

  /** A status change: its number in the message's sequence of changes (the message is created at 1). */
  @Prop()
  seq?: number;

  /** `<messageId>:<seq>`, unique: the one writer whose insert wins makes change number `seq`. */
  @Prop()
  fence?: string;

  /** A status change: what it made of the message. */
  @Prop({ type: MongooseSchema.Types.Mixed })
  change?: LoggedFields;

  /** A status change: what its event says of the message beyond the change (src/events/status-event.ts). */
  @Prop({ type: MongooseSchema.Types.Mixed })
  event?: Record<string, unknown>;

  /**
   * A status change whose event the broker has not confirmed yet: the outbox of events is these
   * entries, written with the change itself, so a crash between the change and its publish loses
   * nothing (src/events/event-relay.ts). Cleared, in batches, once confirmed.
   */
  @Prop()
  eventPending?: boolean;

  /** A pending event's settle key (src/audit/event-bucket.ts); cleared with `eventPending`. */
  @Prop()
  eventBucket?: string;
}

export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntry);

// GET /v1/audit?messageId= (newest first)
AuditEntrySchema.index({ messageId: 1, _id: -1 });
// GET /v1/audit by a project's key (newest first; with ?action= or ?messageId= the rest is filtered)
AuditEntrySchema.index({ projectId: 1, _id: -1 });
// GET /v1/audit?action= (newest first)
AuditEntrySchema.index({ action: 1, _id: -1 });
// status changes: the fence (a unique insert decides which writer makes change n), and the look-up
// of a change by its number when a document lags its log
AuditEntrySchema.index({ fence: 1 }, { unique: true, sparse: true });
// The event relay's look-up of unpublished events ({eventPending: true}) is created by the API once
// at start (EventStoreSetup), not declared here: every process would race to create it otherwise.
export const EVENT_PENDING_INDEX = { key: { eventPending: 1 }, options: { sparse: true, name: 'eventPending_1' } } as const;
// The settle's look-up of its events ({eventBucket, fence: {$in}}): created with it, for the same reason.
export const EVENT_BUCKET_INDEX = { key: { eventBucket: 1 }, options: { sparse: true, name: 'eventBucket_1' } } as const;
