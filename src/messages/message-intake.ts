import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { projectField } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import type { Priority } from '../lanes/priority';
import { toE164 } from '../sms/phone';
import { countSegments, smartEncode } from '../sms/segments';
import { NewMessage } from './message.record';
import { checkUrlForm, UnsafeUrlError } from '../webhook-endpoints/url-safety';

const MAX_BODY = 1600;

export interface MessageRequest {
  to: string;
  body: string;
  from?: string;
  metadata?: Record<string, string>;
  /** Replace Unicode look-alikes with GSM-7 equivalents; unset: the template's choice, then SMART_ENCODING. */
  smartEncoding?: boolean;
  /** Where this message's events are posted, besides the webhook endpoints. */
  statusCallback?: string;
  /** The lane; unset: normal. */
  priority?: Priority;
}

/** Turns what a client or producer asked for into a storable message: E.164 numbers, the text as sent, segment count. */
@Injectable()
export class MessageIntake {
  constructor(private readonly config: AppConfig) {}

  prepare(request: MessageRequest, origin: { actor: string; requestId?: string; projectId?: string }): NewMessage {
    const to = toE164(request.to, this.config.defaultCountry);
    const from = request.from ? toE164(request.from, this.config.defaultCountry) : null;
    return {
      to, from, ...this.textOf(request.body, request.smartEncoding ?? this.config.smartEncoding), metadata: request.metadata, priority: request.priority ?? 'normal',
      createdBy: origin.actor, requestId: origin.requestId, ...projectField(origin.projectId),
      ...(request.statusCallback ? { statusCallback: this.checkedCallback(request.statusCallback) } : {}),
    };
  }

  /**
   * A statusCallback's form is checked at acceptance (https outside sandbox mode, no credentials,
   * no metadata host); its addresses when connecting (src/webhook-endpoints/url-safety.ts), so
   * acceptance costs no DNS lookup.
   */
  private checkedCallback(url: string): string {
    try {
      checkUrlForm(url, { allowLocal: this.config.webhooks.allowLocal });
      return url;
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw new DomainError('invalid_status_callback', `statusCallback ${error.reason}`, 400);
      throw error;
    }
  }

  /** The text as it will be sent and billed: smart-encoded first when asked, so the count is Twilio's. */
  private textOf(body: string, smart: boolean): Pick<NewMessage, 'body' | 'segments' | 'encoding' | 'smartEncoding'> {
    if (!smart) return { body, ...counted(body) };
    const encoded = smartEncode(body);
    // Twilio's table turns a few characters into several (½ → 1/2).
    if (encoded.body.length > MAX_BODY) {
      throw new DomainError('invalid_body', `the text is ${encoded.body.length} characters after smart encoding; at most ${MAX_BODY}`, 400);
    }
    const { segments, encoding } = encoded.after;
    const smartEncoding = { segmentsBefore: encoded.before.segments, encodingBefore: encoded.before.encoding, replaced: encoded.replaced };
    return { body: encoded.body, segments, encoding, smartEncoding };
  }
}

function counted(body: string): { segments: number; encoding: string } {
  const { segments, encoding } = countSegments(body);
  return { segments, encoding };
}
