import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

@Schema({ collection: 'templates', timestamps: true, versionKey: false })
export class Template {
  @Prop({ required: true })
  name!: string;

  @Prop({ required: true })
  body!: string;

  /** BCP 47, canonical form (pt-BR). */
  @Prop()
  locale?: string;

  /** Default expiry of messages sent with it (seconds from when each is due); a send's own validFor/expiresAt wins. */
  @Prop()
  validFor?: number;

  /** Default smart encoding of messages sent with it; a send's own smartEncoding wins, SMART_ENCODING applies when neither says. */
  @Prop()
  smartEncoding?: boolean;

  /** Default quiet hours of messages sent with it, in each recipient's local time. */
  @Prop({ type: Object })
  quietHours?: { start: string; end: string };

  @Prop({ required: true })
  createdBy!: string;

  /** `root` or a project id, always written (see TemplatesRepository.onModuleInit). Names are unique within a project. */
  @Prop({ required: true })
  projectId!: string;

  createdAt!: Date;
  updatedAt!: Date;
}

export const TemplateSchema = SchemaFactory.createForClass(Template);

// Sends by templateName look templates up here, within the sender's project; unique, so two
// templates of one project never share a name (a duplicate insert or rename is refused
// atomically, FerretDB included).
TemplateSchema.index({ projectId: 1, name: 1 }, { unique: true });
// GET /v1/templates by a project's key lists newest first, cursor on _id.
TemplateSchema.index({ projectId: 1, _id: -1 });
// GET /v1/templates by a root key (every project's) lists newest first with a cursor on _id: the default _id index.
