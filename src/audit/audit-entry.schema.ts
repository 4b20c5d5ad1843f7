import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

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

  @Prop()
  requestId?: string;

  @Prop({ type: MongooseSchema.Types.Mixed })
  details?: Record<string, unknown>;
}

export const AuditEntrySchema = SchemaFactory.createForClass(AuditEntry);

// GET /v1/audit?messageId= (newest first)
AuditEntrySchema.index({ messageId: 1, _id: -1 });
// GET /v1/audit?action= (newest first)
AuditEntrySchema.index({ action: 1, _id: -1 });
