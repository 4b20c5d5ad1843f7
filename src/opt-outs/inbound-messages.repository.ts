import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { InboundMessage } from './inbound-message.schema';

export type NewInboundMessage = Omit<InboundMessage, 'at' | 'handledAt'>;

/** What recording a delivery found: a first delivery, or a redelivery of a message already seen. */
export interface RecordedInbound {
  id: string;
  firstDelivery: boolean;
  handled: boolean;
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

@Injectable()
export class InboundMessagesRepository {
  constructor(@InjectModel(InboundMessage.name) private readonly model: Model<InboundMessage>) {}

  async record(message: NewInboundMessage): Promise<RecordedInbound> {
    try {
      const created = await this.model.create({ ...message, at: new Date() });
      return { id: created._id.toHexString(), firstDelivery: true, handled: false };
    } catch (error) {
      if (!isDuplicateKey(error) || !message.twilioSid) throw error;
    }
    const seen = await this.model.findOne({ twilioSid: message.twilioSid }).lean<InboundMessage & { _id: Types.ObjectId }>();
    if (!seen) throw new Error(`inbound message ${message.twilioSid} vanished after a duplicate-key insert`);
    return { id: seen._id.toHexString(), firstDelivery: false, handled: seen.handledAt !== undefined };
  }

  async markHandled(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { handledAt: new Date() } });
  }
}
