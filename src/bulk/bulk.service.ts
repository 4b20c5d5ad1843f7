import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context.decorator';
import { projectField } from '../common/request-context';
import { DomainError } from '../common/domain-error';
import { SendPolicy } from '../policy/send-policy';
import { TemplatesService } from '../templates/templates.service';
import { BatchesRepository } from './batches.repository';
import { BatchExpander } from './batch-expander';
import { BatchPartsRepository } from './batch-parts';
import { BulkAcceptedDto, BulkSendDto } from './dto/bulk.dto';
import { MessageIntake } from '../messages/message-intake';
import { NewMessage } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { checkSendAt } from '../messages/send-at';
import { resolveExpiry } from '../send-timing/expiry';
import { checkQuietHours } from '../send-timing/quiet-hours';
import { planTiming, Timing } from '../send-timing/send-timing';
import { AppConfig } from '../config/app-config';
import type { TemplateDefaults } from '../templates/templates.service';

/** A bulk send waits behind single sends unless it says otherwise. */
export const BULK_PRIORITY = 'low';

type Render = ((variables: Record<string, string | number>) => string) & { defaults?: TemplateDefaults };
type Rejection = { index: number; reason: string };
/** The recipients of one request split in two; an accepted one keeps its index in the request. */
export type Prepared = { accepted: (NewMessage & Pick<Timing, 'quietHours'> & { id: string; index: number })[]; rejected: Rejection[] };

/**
 * Many recipients in one call: each is validated on its own (a bad one is rejected with its
 * index, the others go ahead) and passes the send policy; the accepted ones are stored as a few
 * batch parts and the batch itself, which is the answer's commit point. The BatchExpander writes
 * the parts out as messages, outbox entries and audit entries (the batch's too) after the answer,
 * and publishes.
 */
@Injectable()
export class BulkService {
  constructor(
    private readonly intake: MessageIntake,
    private readonly messages: MessagesRepository,
    private readonly batches: BatchesRepository,
    private readonly parts: BatchPartsRepository,
    private readonly expander: BatchExpander,
    private readonly templates: TemplatesService,
    private readonly audit: AuditService,
    private readonly policy: SendPolicy,
    private readonly config: AppConfig,
  ) {}

  async accept(request: BulkSendDto, context: RequestContext): Promise<BulkAcceptedDto> {
    const batchId = this.messages.newId();
    const planned = await this.plan(request, context, batchId);
    const sendAt = request.sendAt;
    const { accepted, rejected } = await this.admit(planned, context);
    const origin = {
      batchId, acceptedAt: new Date(), createdBy: context.actor, requestId: context.requestId, sendAt, ...projectField(context.projectId),
      accepted: accepted.length, rejected: rejected.length, statusCallback: accepted[0]?.statusCallback, priority: request.priority ?? BULK_PRIORITY,
    };
    const parts = await this.parts.stage(origin, accepted);
    // The commit point: once the batch is stored, after its parts, they are written out and sent, so
    // nothing after it may fail the answer (the batch's audit entry is written with its parts). A
    // part without its batch is dropped later.
    await this.batches.create({ id: batchId, total: request.recipients.length, accepted: accepted.length, rejected, createdBy: context.actor, requestId: context.requestId, sendAt, ...projectField(context.projectId) });
    // With no part, nothing is sent: a failure here costs a retry nothing but a second empty batch.
    if (parts.length === 0) await this.audit.record({ ...context, id: batchId, action: AuditAction.BatchAccepted, details: { batchId, accepted: 0, rejected: rejected.length } });
    this.expander.enqueue(parts);
    return { batchId, accepted: accepted.length, rejected, ...segmentsOf(accepted), ...deferredOf(planned, accepted) };
  }

  /**
   * Each recipient's message, checked, before the send policy and without writing anything; bad
   * recipients rejected with their index. POST /v1/messages/preview answers with it.
   */
  async plan(request: BulkSendDto, context: RequestContext, batchId = this.messages.newId()): Promise<Prepared> {
    // What is wrong with the request itself is a 400 for all of it, not a rejection per recipient.
    resolveExpiry(request, { sendAt: checkSendAt(request.sendAt) });
    if (request.quietHours) checkQuietHours(request.quietHours);
    const render = await this.renderer(request, context);
    const smartEncoding = request.smartEncoding ?? render.defaults?.smartEncoding;
    return this.prepareAll(request, render, { ...context, batchId, smartEncoding });
  }

  private async renderer(request: BulkSendDto, owner: RequestContext): Promise<Render> {
    const { body, templateId, templateName } = request;
    if ((templateId !== undefined || templateName !== undefined) === (body !== undefined)) {
      throw new DomainError('invalid_content', 'send exactly one of body, templateId or templateName', 400);
    }
    if (body !== undefined) return () => body;
    const template = await this.templates.prepare({ templateId, templateName }, owner);
    return Object.assign((variables: Record<string, string | number>) => template.render(variables), { defaults: template.defaults });
  }

  /** The send policy on the valid ones (SMS-pumping and cost defences), as for a single send. */
  private async admit({ accepted, rejected }: Prepared, context: RequestContext): Promise<{ accepted: (NewMessage & { id: string })[]; rejected: Rejection[] }> {
    const refusals = await this.policy.admitMany(accepted, context);
    const admitted = accepted.filter((_, position) => !refusals[position]).map(({ index: _, quietHours: _outcome, ...message }) => message);
    const refused = accepted.flatMap((message, position) => {
      const refusal = refusals[position];
      return refusal ? [{ index: message.index, reason: refusal.message }] : [];
    });
    return { accepted: admitted, rejected: [...rejected, ...refused].sort((a, b) => a.index - b.index) };
  }

  /** Each recipient's message; its timing is its own, as quiet hours depend on the recipient's zone. */
  private prepareAll(request: BulkSendDto, render: Render, origin: RequestContext & { batchId: string; smartEncoding?: boolean }): Prepared {
    const defaults = render.defaults ?? {};
    const accepted: Prepared['accepted'] = [];
    const rejected: Rejection[] = [];
    request.recipients.forEach((recipient, index) => {
      try {
        const body = render(recipient.variables ?? {});
        if (body.trim().length === 0 || body.length > 1600) throw new DomainError('invalid_rendered_body', `the rendered text is ${body.length} characters; 1-1600 allowed`);
        const prepared = this.intake.prepare({
          to: recipient.to, body, smartEncoding: origin.smartEncoding, statusCallback: request.statusCallback, priority: request.priority ?? BULK_PRIORITY,
        }, origin);
        const timing = planTiming(prepared.to, request, defaults, this.config.quietHoursDefault);
        accepted.push({ ...prepared, ...timing, id: this.messages.newId(), batchId: origin.batchId, index });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        rejected.push({ index, reason: error.message });
      }
    });
    return { accepted, rejected };
  }

}

/** Segments before and after smart encoding, summed over the accepted messages, when it was on. */
function segmentsOf(accepted: NewMessage[]): Pick<BulkAcceptedDto, 'segments'> {
  if (!accepted.some((message) => message.smartEncoding)) return {};
  const before = accepted.reduce((sum, message) => sum + (message.smartEncoding?.segmentsBefore ?? message.segments), 0);
  return { segments: { before, after: accepted.reduce((sum, message) => sum + message.segments, 0) } };
}

/** How many accepted recipients quiet hours moved (each one's sendAt is on its message). */
function deferredOf(planned: Prepared, accepted: { id: string }[]): Pick<BulkAcceptedDto, 'deferred'> {
  const moved = new Set(planned.accepted.filter((message) => message.quietHours?.deferredTo).map((message) => message.id));
  const deferred = accepted.filter((message) => moved.has(message.id)).length;
  return deferred > 0 ? { deferred } : {};
}
