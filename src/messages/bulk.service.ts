import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context.decorator';
import { DomainError } from '../common/domain-error';
import { SendPolicy } from '../policy/send-policy';
import { TemplatesService } from '../templates/templates.service';
import { BatchesRepository } from './batches.repository';
import { CommandDispatcher } from './command-dispatcher';
import { BulkAcceptedDto, BulkSendDto } from './dto/bulk.dto';
import { MessageIntake } from './message-intake';
import { NewMessage } from './message.record';
import { MessagesRepository } from './messages.repository';
import { OutboxRepository, OwedCommand } from './outbox';
import { checkSendAt } from './send-at';

/** Publishes of one batch in flight at once: enough to fill the confirm pipeline. */
const PUBLISH_PARALLEL = 200;

type Render = (variables: Record<string, string | number>) => string;
type Rejection = { index: number; reason: string };
/** The recipients of one request split in two; an accepted one keeps its index in the request. */
type Prepared = { accepted: (NewMessage & { index: number })[]; rejected: Rejection[] };

/**
 * Many recipients in one call: each is validated on its own (a bad one is rejected with its
 * index, the others go ahead), then all are written in a few batched inserts rather than 10,000
 * round trips, and their commands are published after the answer, from the outbox.
 */
@Injectable()
export class BulkService {
  private readonly logger = new Logger(BulkService.name);

  constructor(
    private readonly intake: MessageIntake,
    private readonly messages: MessagesRepository,
    private readonly batches: BatchesRepository,
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly templates: TemplatesService,
    private readonly audit: AuditService,
    private readonly policy: SendPolicy,
  ) {}

  async accept(request: BulkSendDto, context: RequestContext): Promise<BulkAcceptedDto> {
    const sendAt = checkSendAt(request.sendAt);
    const render = await this.renderer(request);
    const batchId = this.messages.newId();
    const { accepted, rejected } = await this.admit(this.prepareAll(request, render, { ...context, batchId, sendAt }), context);
    const owed: OwedCommand[] = accepted.map((m) => ({ messageId: m.id!, dueAt: sendAt ?? new Date(), requestId: context.requestId }));
    const batch = { id: batchId, total: request.recipients.length, accepted: accepted.length, rejected, createdBy: context.actor, requestId: context.requestId, sendAt };
    // The commands owed come before their messages (a message never exists without them), then
    // the messages and their audit entries, which do not depend on each other.
    await Promise.all([this.batches.create(batch), this.outbox.add(owed)]);
    await Promise.all([this.messages.createMany(accepted), this.recordAcceptance(batchId, accepted, rejected.length, context)]);
    if (!sendAt) void this.dispatcher.publish(owed, { parallel: PUBLISH_PARALLEL, background: true });
    return { batchId, accepted: accepted.length, rejected };
  }

  private async renderer(request: BulkSendDto): Promise<Render> {
    const { body, templateId, templateName } = request;
    if ((templateId !== undefined || templateName !== undefined) === (body !== undefined)) {
      throw new DomainError('invalid_content', 'send exactly one of body, templateId or templateName', 400);
    }
    if (body !== undefined) return () => body;
    const template = await this.templates.prepare({ templateId, templateName });
    return (variables) => template.render(variables);
  }

  /** The send policy on the valid ones (SMS-pumping and cost defences), as for a single send. */
  private async admit({ accepted, rejected }: Prepared, context: RequestContext): Promise<{ accepted: NewMessage[]; rejected: Rejection[] }> {
    const refusals = await this.policy.admitMany(accepted, context);
    const admitted = accepted.filter((_, position) => !refusals[position]).map(({ index: _, ...message }) => message);
    const refused = accepted.flatMap((message, position) => {
      const refusal = refusals[position];
      return refusal ? [{ index: message.index, reason: refusal.message }] : [];
    });
    return { accepted: admitted, rejected: [...rejected, ...refused].sort((a, b) => a.index - b.index) };
  }

  private prepareAll(request: BulkSendDto, render: Render, origin: RequestContext & { batchId: string; sendAt?: Date }): Prepared {
    const accepted: Prepared['accepted'] = [];
    const rejected: Rejection[] = [];
    request.recipients.forEach((recipient, index) => {
      try {
        const body = render(recipient.variables ?? {});
        if (body.trim().length === 0 || body.length > 1600) throw new DomainError('invalid_rendered_body', `the rendered text is ${body.length} characters; 1-1600 allowed`);
        const prepared = this.intake.prepare({ to: recipient.to, body }, origin);
        accepted.push({ ...prepared, id: this.messages.newId(), batchId: origin.batchId, sendAt: origin.sendAt, index });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        rejected.push({ index, reason: error.message });
      }
    });
    return { accepted, rejected };
  }

  private async recordAcceptance(batchId: string, accepted: NewMessage[], rejected: number, context: RequestContext) {
    await this.audit.record({ ...context, action: AuditAction.BatchAccepted, details: { batchId, accepted: accepted.length, rejected } });
    await this.audit.recordMany(accepted.map((message) => ({
      ...context, action: AuditAction.MessageAccepted, messageId: message.id, details: { batchId, segments: message.segments },
    })));
  }
}
