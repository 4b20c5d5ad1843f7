import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const OPT_OUT_SOURCES = ['keyword', 'manual', 'twilio-21610'] as const;
/** How a number got on (or off) the list: an inbound keyword, the REST API, or Twilio refusing with 21610. */
export type OptOutSource = (typeof OPT_OUT_SOURCES)[number];

@Schema({ collection: 'opt_outs', versionKey: false })
export class OptOut {
  /**
   * The E.164 number. As the _id, blocking a number twice is a duplicate-key error, which
   * FerretDB enforces atomically (its conditional updates are not atomic), so racing STOPs are safe.
   */
  @Prop({ type: String, required: true })
  _id!: string;

  /** Minted per entry; time-ordered, unlike the _id, so it sorts the list and is its cursor. */
  @Prop({ type: Types.ObjectId, required: true })
  entryId!: Types.ObjectId;

  @Prop({ required: true })
  reason!: string;

  @Prop({ required: true, enum: OPT_OUT_SOURCES, type: String })
  source!: OptOutSource;

  @Prop({ required: true })
  createdBy!: string;

  @Prop()
  requestId?: string;

  /** The project whose key listed it by hand; missing: the root project, or not a key (STOP, Twilio). */
  @Prop()
  projectId?: string;

  @Prop({ required: true })
  createdAt!: Date;
}

export const OptOutSchema = SchemaFactory.createForClass(OptOut);

// GET /v1/opt-outs (newest first, cursor on entryId); lookups by number use the _id index.
OptOutSchema.index({ entryId: -1 });
