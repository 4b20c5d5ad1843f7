import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context.decorator';
import { DomainError, NotFoundError } from '../common/domain-error';
import { canSee, visibleProject } from '../common/request-context';
import { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { SendSmsCommand, SmsPattern } from '../queue/sms-commands';
import { SmsQueuePublisher } from '../queue/sms-queue.publisher';
import { CommandDispatcher } from '../outbox/command-dispatcher';
import { OutboxRepository } from '../outbox/outbox';
import { DeadLetterRecord, DeadLettersRepository } from './dead-letters.repository';

function commandIn(letter: DeadLetterRecord): SendSmsCommand {
  try {
    const parsed = JSON.parse(letter.content) as { pattern?: unknown; data?: unknown };
    if (parsed.pattern === SmsPattern.Send && typeof parsed.data === 'object' && parsed.data !== null) {
      return parsed.data as SendSmsCommand;
    }
  } catch {
    // falls through: not JSON
  }
  throw new DomainError('not_replayable', `dead letter ${letter.id} is not an sms.send command; fix it at its producer`, 409);
}

@Injectable()
export class DeadLettersService {
  constructor(
    private readonly repository: DeadLettersRepository,
    private readonly publisher: SmsQueuePublisher,
    private readonly lifecycle: MessageLifecycle,
    private readonly outbox: OutboxRepository,
    private readonly dispatcher: CommandDispatcher,
    private readonly audit: AuditService,
  ) {}

  /** The caller's project's letters (a root key's: all of them). */
  list(filter: { before?: string; limit: number; replayed?: boolean }, context: RequestContext): Promise<DeadLetterRecord[]> {
    return this.repository.list({ ...filter, projectId: visibleProject(context) });
  }

  /**
   * Sends a parked command back to the SMS queue, once its cause is fixed. A message that ran out
   * of attempts is `failed`: it goes back to `queued` with a fresh set of attempts first.
   */
  async replay(id: string, context: RequestContext): Promise<DeadLetterRecord> {
    const letter = await this.repository.findById(id);
    // Another project's letter is not found: it is neither replayed nor described.
    if (!letter || !canSee(context, letter)) throw new NotFoundError('Dead letter', id);
    const command = commandIn(letter);
    if (!(await this.repository.claimReplay(id, context.actor))) {
      throw new DomainError('already_replayed', `dead letter ${id} was already replayed`, 409);
    }
    try {
      await this.resend(command, context);
    } catch (error) {
      await this.repository.releaseReplay(id);
      throw error;
    }
    await this.audit.record({
      ...context, projectId: letter.projectId, action: AuditAction.DeadLetterReplayed, messageId: command.messageId, details: { deadLetterId: id },
    });
    return { ...letter, replayedAt: new Date() };
  }

  /**
   * A stored message goes back to `queued` and its command into the outbox first, so if the broker
   * is away the relay publishes it later; a command without a stored message must publish now.
   */
  private async resend(command: SendSmsCommand, context: RequestContext): Promise<void> {
    if (!command.messageId) return this.publisher.publishSend({ ...command, requestId: context.requestId });
    const requeued = await this.lifecycle.requeueFailed(command.messageId, context);
    // Back into its own lane (a message not failed any more keeps the one its command named).
    const owed = { messageId: command.messageId, dueAt: new Date(), requestId: context.requestId, priority: requeued?.priority ?? command.priority };
    await this.outbox.add([owed]);
    await this.dispatcher.publish([owed]);
  }
}
