import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A team sharing NotifyX: its keys, messages and everything about them are its own. Limits left
 * unset fall back to the global settings (DAILY_SEGMENT_CAP, ALLOWED_COUNTRIES,
 * RECIPIENT_HOURLY_LIMIT, THROTTLE_LIMIT, THROTTLE_BURST_LIMIT).
 */
@Schema({ collection: 'projects', versionKey: false })
export class Project {
  @Prop({ required: true })
  name!: string;

  /** SMS segments the project's messages may take per UTC day; 0 = no cap. */
  @Prop()
  dailySegmentCap?: number;

  /** ISO 3166-1 alpha-2 codes its messages may go to, or ['*'] for any. */
  @Prop({ type: [String], default: undefined })
  allowedCountries?: string[];

  /** Messages to one number per clock hour, counted within the project; 0 = no limit. */
  @Prop()
  recipientHourlyLimit?: number;

  /** API requests per key per THROTTLE_TTL_MS (the sustained window). */
  @Prop()
  requestLimit?: number;

  /** API requests per key per THROTTLE_BURST_TTL_MS. */
  @Prop()
  burstLimit?: number;

  @Prop({ required: true })
  createdAt!: Date;

  @Prop({ required: true })
  createdBy!: string;
}

export const ProjectSchema = SchemaFactory.createForClass(Project);

// POST /v1/projects: names are unique, so two teams never get mixed up in listings and audit.
ProjectSchema.index({ name: 1 }, { unique: true });
// GET /v1/projects lists newest first: served by the default _id index.
