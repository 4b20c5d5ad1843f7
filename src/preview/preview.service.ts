import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context.decorator';
import { BulkService } from '../bulk/bulk.service';
import { BulkSendDto } from '../bulk/dto/bulk.dto';
import { AppConfig } from '../config/app-config';
import { NewMessage } from '../messages/message.record';
import { MessageContent, MessagesService } from '../messages/messages.service';
import { destinationOf, destinationRefusal } from '../policy/destination-rules';
import { laneQueue } from '../queue/sms-topology';
import { validityPeriodOf } from '../send-timing/expiry';
import type { Timing } from '../send-timing/send-timing';
import { BulkPreviewDto, MessagePreviewDto, PolicyVerdictDto } from './dto/preview.dto';

/**
 * What a send would do, computed by the very code that accepts sends (MessagesService.plan,
 * BulkService.plan) up to the point where something is written or counted: nothing is stored,
 * published, audited or counted against the recipient and daily limits.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly messages: MessagesService,
    private readonly bulk: BulkService,
    private readonly config: AppConfig,
  ) {}

  async one(request: MessageContent, context: RequestContext): Promise<MessagePreviewDto> {
    return this.describe(await this.messages.plan(request, context));
  }

  async many(request: BulkSendDto, context: RequestContext, limit: number): Promise<BulkPreviewDto> {
    const planned = await this.bulk.plan(request, context);
    const described = planned.accepted.map((message) => ({ index: message.index, preview: this.describe(message) }));
    const refused = described.flatMap(({ index, preview }) => preview.policy.verdict === 'refused' ? [{ index, reason: preview.policy.reason! }] : []);
    const accepted = described.filter(({ preview }) => preview.policy.verdict === 'allowed').map(({ preview }) => preview);
    return {
      total: request.recipients.length,
      accepted: accepted.length,
      rejected: [...planned.rejected, ...refused].sort((a, b) => a.index - b.index),
      segments: {
        before: accepted.reduce((sum, preview) => sum + (preview.smartEncoding?.segmentsBefore ?? preview.segments), 0),
        after: accepted.reduce((sum, preview) => sum + preview.segments, 0),
      },
      results: accepted.slice(0, limit),
    };
  }

  private describe(message: NewMessage & Pick<Timing, 'quietHours'>): MessagePreviewDto {
    const destination = destinationOf(message.to);
    const { to, body, encoding, segments, smartEncoding, sendAt, expiresAt, quietHours, priority = 'normal' } = message;
    const validityPeriod = validityPeriodOf(expiresAt, sendAt?.getTime());
    return {
      to, ...(destination.country ? { country: destination.country } : {}), ...(destination.type ? { numberType: destination.type } : {}),
      body, encoding, segments, ...(smartEncoding ? { smartEncoding } : {}),
      policy: this.verdictOn(destination),
      lane: { priority, queue: laneQueue(this.config.rabbit, priority) },
      ...(sendAt ? { sendAt } : {}), ...(expiresAt ? { expiresAt } : {}), ...(validityPeriod ? { validityPeriod } : {}),
      ...(quietHours ? { quietHours } : {}),
    };
  }

  private verdictOn(destination: ReturnType<typeof destinationOf>): PolicyVerdictDto {
    const refusal = destinationRefusal(destination, this.config.sendPolicy);
    return refusal ? { verdict: 'refused', code: refusal.code, reason: refusal.message, checked: 'destination' } : { verdict: 'allowed', checked: 'destination' };
  }
}
