import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { maskPhone } from '../sms/phone';
import { InboundKeyword, parseKeyword } from './inbound-keywords';
import { InboundMessagesRepository, RecordedInbound } from './inbound-messages.repository';
import { isE164 } from './opt-out-phone';
import { OptOutsService } from './opt-outs.service';

/** One inbound SMS, from Twilio's webhook fields. */
export interface InboundSms {
  from: string;
  to: string;
  body: string;
  twilioSid?: string;
  requestId?: string;
}

export interface InboundOutcome {
  keyword: InboundKeyword | null;
  /** The text to answer with (HELP/INFO), if any. */
  reply?: string;
}

const ACTOR = 'twilio';

/** Records inbound texts and acts on the STOP/START/HELP keywords. */
@Injectable()
export class InboundMessagesService {
  private readonly logger = new Logger(InboundMessagesService.name);

  constructor(
    private readonly repository: InboundMessagesRepository,
    private readonly optOuts: OptOutsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Safe to call again for a redelivered webhook: the message is recorded and audited once, and
   * its keyword acted on until that once succeeded (block and unblock are idempotent anyway).
   */
  async receive(sms: InboundSms): Promise<InboundOutcome> {
    if (!sms.from || !sms.to) throw new DomainError('invalid_inbound', 'An inbound message needs From and To', 400);
    const keyword = parseKeyword(sms.body);
    const recorded = await this.repository.record({ from: sms.from, to: sms.to, body: sms.body, twilioSid: sms.twilioSid, keyword });
    if (recorded.firstDelivery) await this.auditReceipt(sms, keyword, recorded);
    if (keyword && !recorded.handled) {
      await this.act(keyword, sms);
      await this.repository.markHandled(recorded.id);
    }
    return { keyword, reply: keyword === 'help' ? this.config.smsHelpText : undefined };
  }

  private async act(keyword: InboundKeyword, sms: InboundSms): Promise<void> {
    if (keyword === 'help') {
      return this.audit.record({
        actor: ACTOR, action: AuditAction.InboundHelpAnswered, requestId: sms.requestId,
        details: { recipient: maskPhone(sms.from), inReplyTo: sms.twilioSid },
      });
    }
    if (!isE164(sms.from)) {
      // Short codes and alphanumeric senders cannot be texted back, so there is nothing to block.
      this.logger.warn({ from: maskPhone(sms.from), keyword }, 'keyword from a sender that is not an E.164 number ignored');
      return;
    }
    const change = { reason: `texted "${sms.body.trim().toUpperCase()}"`, source: 'keyword' as const, actor: ACTOR, requestId: sms.requestId };
    if (keyword === 'stop') await this.optOuts.block(sms.from, change);
    else await this.optOuts.unblock(sms.from, change);
  }

  /**
   * A text that is not a keyword is also a `message.received` event for webhooks and the events
   * exchange, recorded with its audit entry (src/events/) and identified by the inbound message.
   */
  private auditReceipt(sms: InboundSms, keyword: InboundKeyword | null, recorded: RecordedInbound): Promise<void> {
    const received = keyword ? undefined : {
      id: `evt_in_${recorded.id}`, type: 'message.received',
      data: { inboundMessageId: recorded.id, from: sms.from, to: sms.to, body: sms.body, twilioSid: sms.twilioSid ?? null },
    };
    return this.audit.record({
      actor: ACTOR, action: AuditAction.InboundReceived, requestId: sms.requestId,
      details: { inboundMessageId: recorded.id, from: maskPhone(sms.from), to: sms.to, twilioSid: sms.twilioSid, keyword },
    }, received);
  }
}
