import { Injectable, Logger } from '@nestjs/common';
import type { RequestContext } from '../auth/request-context.decorator';
import { NotFoundError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { SmsQueuePublisher } from '../queue/sms-queue.publisher';
import { toE164 } from '../sms/phone';
import { MessageLifecycle } from './message-lifecycle.service';
import { MessageIntake, MessageRequest } from './message-intake';
import { MessageRecord } from './message.record';
import { MessageFilter, MessagesRepository } from './messages.repository';

export const TEST_SMS_BODY = 'NotifyX test message: if you can read this, SMS delivery works.';

@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    private readonly repository: MessagesRepository,
    private readonly publisher: SmsQueuePublisher,
    private readonly lifecycle: MessageLifecycle,
    private readonly intake: MessageIntake,
    private readonly config: AppConfig,
  ) {}

  /** Validates, stores (the message is its own outbox entry), audits, then hands it to the queue. */
  async accept(request: MessageRequest, context: RequestContext): Promise<MessageRecord> {
    const { message } = await this.lifecycle.accept(this.intake.prepare(request, context), context);
    await this.dispatch(message, context.requestId);
    return message;
  }

  async get(id: string): Promise<MessageRecord> {
    const message = await this.repository.findById(id);
    if (!message) throw new NotFoundError('Message', id);
    return message;
  }

  list(filter: Omit<MessageFilter, 'to'> & { to?: string }): Promise<MessageRecord[]> {
    const to = filter.to ? toE164(filter.to, this.config.defaultCountry) : undefined;
    return this.repository.list({ ...filter, to });
  }

  /**
   * A broker outage must not lose an accepted message: if the publish is not confirmed the
   * message stays `dispatch: pending` and the outbox relay publishes it later.
   */
  private async dispatch(message: MessageRecord, requestId?: string): Promise<void> {
    try {
      await this.publisher.publishSend({ messageId: message.id, requestId });
      await this.repository.markPublished(message.id);
    } catch (error) {
      this.logger.warn({ messageId: message.id, err: String(error) }, 'publish failed; message left pending for the outbox relay');
    }
  }
}
