import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context.decorator';
import { DomainError, NotFoundError } from '../common/domain-error';
import { canSee, visibleProject } from '../common/request-context';
import { TemplateDefaults, TemplatesService } from '../templates/templates.service';
import { planTiming, Timing, TimingRequest } from '../send-timing/send-timing';
import { AppConfig } from '../config/app-config';
import { SendPolicy } from '../policy/send-policy';
import { AcceptanceWriter } from './acceptance-writer';
import { OutboxRepository } from '../outbox/outbox';
import { toE164 } from '../sms/phone';
import { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { MessageIntake, MessageRequest } from './message-intake';
import { checkSendAt } from './send-at';
import { MessageRecord, NewMessage } from './message.record';
import { MessageFilter, MessagesRepository } from './messages.repository';

const MAX_BODY = 1600;

/** What a client asks to send: a body, or a template and its variables. */
export type MessageContent = Omit<MessageRequest, 'body'> & TimingRequest & {
  smartEncoding?: boolean;
  body?: string;
  templateId?: string;
  templateName?: string;
  variables?: Record<string, string | number>;
  /** A scheduled send; the relay publishes it when due. */
  sendAt?: Date;
};

export const TEST_SMS_BODY = 'NotifyX test message: if you can read this, SMS delivery works.';

@Injectable()
export class MessagesService {

  constructor(
    private readonly repository: MessagesRepository,
    private readonly outbox: OutboxRepository,
    private readonly writer: AcceptanceWriter,
    private readonly lifecycle: MessageLifecycle,
    private readonly intake: MessageIntake,
    private readonly templates: TemplatesService,
    private readonly config: AppConfig,
    private readonly policy: SendPolicy,
  ) {}

  newId(): string {
    return this.repository.newId();
  }

  /**
   * Validates and admits, then stores, audits and hands it to the queue (AcceptanceWriter). `id`: one
   * reserved for it by its Idempotency-Key; `repeat`: an earlier try with that key may have stored some of it.
   */
  async accept(request: MessageContent, context: RequestContext, reserved: { id?: string; repeat?: boolean } = {}): Promise<MessageRecord> {
    const { quietHours: _outcome, ...planned } = await this.plan(request, context);
    const prepared = { ...planned, id: reserved.id ?? this.repository.newId() };
    await this.policy.admit(prepared, context);
    return this.writer.write(prepared, context, { repeat: reserved.repeat });
  }

  /**
   * The message a request makes, checked, before the send policy and without writing anything:
   * its text as sent (template rendered, smart-encoded), segments, when it goes out and expires.
   * POST /v1/messages/preview answers with it.
   */
  async plan(request: MessageContent, origin: RequestContext): Promise<NewMessage & Pick<Timing, 'quietHours'>> {
    checkSendAt(request.sendAt);
    const { body, defaults } = await this.contentOf(request, origin);
    const smartEncoding = request.smartEncoding ?? defaults.smartEncoding;
    const message = this.intake.prepare({ ...request, body, smartEncoding }, origin);
    return { ...message, ...planTiming(message.to, request, defaults, this.config.quietHoursDefault) };
  }

  /**
   * A message an earlier try of an idempotent request stored, as it was when accepted; its
   * acceptance is recorded again (stored once) in case that try stopped before recording it.
   */
  async recover(id: string): Promise<MessageRecord | undefined> {
    const message = await this.repository.findById(id);
    if (!message) return undefined;
    this.writer.recordAgain(message);
    return { ...message, status: message.history[0]?.status ?? message.status };
  }

  /**
   * Cancels a message not sent yet; its owed command is dropped too (a stray one would find it
   * canceled). Another project's message is not found, and stays as it is.
   */
  async cancel(id: string, context: RequestContext): Promise<MessageRecord> {
    await this.get(id, context);
    const canceled = await this.lifecycle.cancel(id, context);
    if (canceled) {
      await this.outbox.settle([id]);
      return canceled;
    }
    const message = await this.get(id, context);
    throw new DomainError('not_cancelable', `message ${id} is ${message.status}; only scheduled or queued messages can be canceled`, 409);
  }

  /** The text to send: given as is, or rendered from a template (then checked like a given one), with the template's defaults. */
  private async contentOf(request: MessageContent, owner: RequestContext): Promise<{ body: string; defaults: TemplateDefaults }> {
    const { body, templateId, templateName, variables } = request;
    const templated = templateId !== undefined || templateName !== undefined;
    if (templated === (body !== undefined)) {
      throw new DomainError('invalid_content', 'send exactly one of body, templateId or templateName', 400);
    }
    if (body !== undefined) return { body, defaults: {} };
    const rendered = await this.templates.render({ templateId, templateName }, variables ?? {}, owner);
    if (rendered.body.trim().length === 0 || rendered.body.length > MAX_BODY) {
      throw new DomainError('invalid_rendered_body', `the rendered text must be 1-${MAX_BODY} characters; it is ${rendered.body.length}`, 400);
    }
    return { body: rendered.body, defaults: rendered.defaults };
  }

  /** Another project's message is not found: a caller learns nothing about what others send. */
  async get(id: string, context: RequestContext): Promise<MessageRecord> {
    const message = await this.repository.findById(id);
    if (!message || !canSee(context, message)) throw new NotFoundError('Message', id);
    return message;
  }

  list(filter: Omit<MessageFilter, 'to' | 'projectId'> & { to?: string }, context: RequestContext): Promise<MessageRecord[]> {
    const to = filter.to ? toE164(filter.to, this.config.defaultCountry) : undefined;
    return this.repository.list({ ...filter, to, projectId: visibleProject(context) });
  }
}
