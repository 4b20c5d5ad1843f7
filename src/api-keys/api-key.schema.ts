import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SCOPES, Scope } from '../auth/scopes';

@Schema({ collection: 'api_keys', versionKey: false })
export class ApiKey {
  @Prop({ required: true })
  name!: string;

  @Prop({ type: [String], enum: SCOPES, required: true })
  scopes!: Scope[];

  /** SHA-256 (hex) of the key: the key itself is shown once at creation and never stored. */
  @Prop({ required: true })
  hash!: string;

  @Prop({ required: true })
  createdAt!: Date;

  /** The actor that created it (`apikey:…`), for the listing; never a secret. */
  @Prop({ required: true })
  createdBy!: string;

  /** The project whose data the key reaches; missing: the root project (keys made before projects). */
  @Prop()
  projectId?: string;

  /** Set once; a revoked key is refused with 401 from then on. */
  @Prop()
  revokedAt?: Date;
}

export const ApiKeySchema = SchemaFactory.createForClass(ApiKey);

// Authentication (on a cache miss): find the key whose hash matches what the caller presented.
// Unique, so one presented key can never match two records.
ApiKeySchema.index({ hash: 1 }, { unique: true });
// GET /v1/api-keys by a project's admin key: its project's keys, newest first.
ApiKeySchema.index({ projectId: 1, _id: -1 });
