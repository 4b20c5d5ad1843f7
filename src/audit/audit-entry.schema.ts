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
