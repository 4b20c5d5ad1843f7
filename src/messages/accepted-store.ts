import { Injectable } from '@nestjs/common';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { newMessageHint } from '../queue/send-hint';
import { MessageRecord, NewMessage } from './message.record';
import { MessagesRepository } from './messages.repository';
import { OutboxRepository, OwedCommand } from './outbox';

/** Accepted messages, with the ids chosen for them and the audit entry that records each acceptance. */
export interface Accepted {
  message: NewMessage & { id: string };
  event: AuditEvent;
}

/** What was stored: the messages' records and their owed commands, in the order given. */
export interface Stored {
  records: MessageRecord[];
  owed: OwedCommand[];
}

/**
 * The one way accepted messages are stored, single sends (in rounds) and bulk parts alike: their
 * owed commands first, so a message never exists without one, then the messages and their audit
 * entries side by side. Publishing is the caller's: when and how fast differs.
 */
@Injectable()
export class AcceptedStore {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** The messages' records and their commands, in order; a scheduled one's command is due at its time. */
  async store(accepted: Accepted[], acceptedAt = new Date()): Promise<Stored> {
    const owed = accepted.map(({ message }) => ({
      messageId: message.id, dueAt: message.sendAt ?? acceptedAt, requestId: message.requestId,
      // A command published now finds its message as stored: it can say so (a scheduled one is published later).
      ...(message.sendAt ? {} : { stored: newMessageHint(message, this.config.twilio.authToken) }),
    }));
    await this.outbox.add(owed);
    const [records] = await Promise.all([
      this.messages.createMany(accepted.map(({ message }) => message), acceptedAt),
      this.audit.recordMany(accepted.map(({ event }) => event), acceptedAt),
    ]);
    return { records, owed };
  }
}
