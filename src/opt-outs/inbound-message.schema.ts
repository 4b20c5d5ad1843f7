import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { InboundKeyword } from './inbound-keywords';

/** A text someone sent to one of our numbers, as Twilio's inbound webhook reported it. */
@Schema({ collection: 'inbound_messages', versionKey: false })
export class InboundMessage {
  @Prop({ required: true })
  from!: string;

  @Prop({ required: true })
  to!: string;

  // Not `required`: Mongoose would refuse the empty body of a picture-only MMS.
  @Prop({ type: String, default: '' })
  body!: string;

  @Prop()
  twilioSid?: string;

  @Prop({ required: true })
  at!: Date;

  @Prop({ type: String, default: null })
  keyword!: InboundKeyword | null;

  /** Set once the keyword was acted on; a redelivery of a message without it is acted on again. */
  @Prop()
  handledAt?: Date;
}

export const InboundMessageSchema = SchemaFactory.createForClass(InboundMessage);

// Twilio redelivers a webhook it got no answer to: the insert finds a seen MessageSid here,
// atomically even on FerretDB, so one message is recorded and audited once.
InboundMessageSchema.index({ twilioSid: 1 }, { unique: true, sparse: true });
