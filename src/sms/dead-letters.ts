import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { projectField } from '../common/request-context';
import { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import { MessagesRepository } from '../messages/messages.repository';
import { SmsPattern } from '../queue/sms-commands';
import { laneQueue } from '../queue/sms-topology';
import type { Delivery } from './delivery';

export const REASON_HEADER = 'x-notifyx-reason';
/** Names the dead letter's record (GET /v1/dead-letters) on the parked copy. */
export const DEAD_LETTER_ID_HEADER = 'x-notifyx-dead-letter-id';

/** Waits between tries of a record write while the store is away: 250 ms doubling to 5 s. */
const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5000;

/** The wire form of an `sms.send` command for a stored message. */
export function storedCommandContent(command: { messageId: string; requestId?: string }): Buffer {
  return Buffer.from(JSON.stringify({ pattern: SmsPattern.Send, data: command }));
}

/**
 * Parks a command it cannot process in `<queue>.dead` with the reason in its headers, so one bad
 * command never blocks the consumer. The order makes a parked command always have its record:
 * the copy is published (confirmed), then its record and audit entry are written, retried until
 * the store answers (the record's id is chosen up front, so a retry after a lost answer writes it
 * once), and only then is the original acked. Until then the original stays unacked: a worker that
 * dies meanwhile leaves it to be parked again by the next one (a second copy, never a lost record).
 */
@Injectable()
export class DeadLetters {
  private readonly logger = new Logger(DeadLetters.name);

  constructor(
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly store: DeadLettersRepository,
    private readonly messages: MessagesRepository,
  ) {}

  /** `command`: the stored message's command to park instead of the bytes that arrived. */
  async park(delivery: Delivery, reason: string, command?: { messageId: string; requestId?: string }): Promise<void> {
    const messageId = command?.messageId;
    const content = command ? storedCommandContent(command) : delivery.message.content;
    const { deadLetterQueue } = this.config.rabbit;
    const queue = laneQueue(this.config.rabbit, delivery.lane);
    const id = new Types.ObjectId().toHexString();
    const at = new Date();
    const headers = {
      ...delivery.headers,
      [REASON_HEADER]: reason,
      [DEAD_LETTER_ID_HEADER]: id,
      'x-notifyx-original-queue': queue,
      'x-notifyx-dead-lettered-at': at.toISOString(),
    };
    await delivery.publish(deadLetterQueue, content, { headers });
    const record = { at, queue: deadLetterQueue, reason, content: content.toString('utf8'), headers: delivery.headers, messageId };
    let projectId: string | undefined;
    await this.untilWritten('dead-letter record', id, async () => {
      projectId = await this.projectOf(record.content, messageId);
      await this.store.addOnce(id, { ...record, ...projectField(projectId) });
    });
    await this.untilWritten('dead-letter audit entry', id, () => this.audit.record({
      actor: 'worker', action: AuditAction.CommandDeadLettered, messageId, projectId, details: { reason, queue: deadLetterQueue, deadLetterId: id },
    }));
    delivery.ack();
  }

  /**
   * Whose dead letter it is, so only that project (and root) lists and replays it: the stored
   * message's project, or the one a producer's command names (a well-formed id, even if unknown:
   * nobody else can see it then). Neither: the root project's.
   */
  private async projectOf(content: string, messageId?: string): Promise<string | undefined> {
    if (messageId) return (await this.messages.findById(messageId))?.projectId;
    try {
      const named = (JSON.parse(content) as { data?: { projectId?: unknown } }).data?.projectId;
      return typeof named === 'string' && /^[0-9a-f]{24}$/.test(named) ? named : undefined;
    } catch {
      return undefined;
    }
  }

  private async untilWritten(what: string, id: string, write: () => Promise<unknown>): Promise<void> {
    for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
      try {
        await write();
        return;
      } catch (error) {
        this.logger.warn({ err: error, deadLetterId: id, retryInMs: wait }, `${what} not written yet; the command stays unacked until it is`);
        await sleep(wait);
      }
    }
  }
}
