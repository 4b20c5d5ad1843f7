import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { toE164 } from '../sms/phone';
import { countSegments } from '../sms/segments';
import { NewMessage } from './message.record';

export interface MessageRequest {
  to: string;
  body: string;
  from?: string;
  metadata?: Record<string, string>;
}

/** Turns what a client or producer asked for into a storable message: E.164 numbers, segment count. */
@Injectable()
export class MessageIntake {
  constructor(private readonly config: AppConfig) {}

  prepare(request: MessageRequest, origin: { actor: string; requestId?: string }): NewMessage {
    const to = toE164(request.to, this.config.defaultCountry);
    const from = request.from ? toE164(request.from, this.config.defaultCountry) : null;
    const { segments, encoding } = countSegments(request.body);
    return {
      to, from, body: request.body, segments, encoding, metadata: request.metadata,
      createdBy: origin.actor, requestId: origin.requestId,
    };
  }
}
