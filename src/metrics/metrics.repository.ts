import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { Message } from '../messages/message.schema';

export interface MessageOutcome {
  createdAt: Date;
  errorCode?: number;
}

/** Read-only: what the metrics need to know about messages whose final status just arrived. */
@Injectable()
export class MetricsRepository {
  constructor(@InjectModel(Message.name) private readonly model: Model<Message>) {}

  /** One query for a whole batch, by _id. */
  async outcomes(ids: string[]): Promise<Map<string, MessageOutcome>> {
    const docs = await this.model
      .find({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } }, { createdAt: 1, errorCode: 1 })
      .lean<Array<{ _id: Types.ObjectId; createdAt: Date; errorCode?: number }>>();
    return new Map(docs.map(({ _id, createdAt, errorCode }) => [_id.toHexString(), { createdAt: new Date(createdAt), errorCode }]));
  }
}
