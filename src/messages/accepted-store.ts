import { Injectable } from '@nestjs/common';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { OutcomeUnknownError } from '../idempotency/outcome-unknown.error';
import { newMessageHint } from '../queue/send-hint';
import { MessageRecord, NewMessage } from './message.record';
import { MessagesRepository } from './messages.repository';
import { ORPHAN_AFTER_MS, OutboxRepository, OwedCommand } from '../outbox/outbox';

/** Accepted messages, with the ids chosen for them and the audit entry that records each acceptance. */
export interface Accepted {
  message: NewMessage & { id: string };
  /** Its id is the message's, so an entry written again is stored once. */
  event: AuditEvent & { id: string };
}

/** What was stored: the messages' records and their owed commands, in the order given. */
export interface Stored {
  records: MessageRecord[];
  owed: OwedCommand[];
  /** False if the audit entries were not written; the caller writes them again (fixed ids). */
  audited: boolean;
}

/** Driver errors raised before a command was written to the store: it cannot have been applied. */
const NEVER_SENT = new Set(['MongoServerSelectionError', 'MongooseServerSelectionError', 'MongoNotConnectedError', 'MongoPoolClearedError', 'MongoPoolClosedError']);

/** A write this slow may have raced the relay's orphan sweep between its two inserts. */
const SLOW_WRITE_MS = ORPHAN_AFTER_MS / 2;

/**
 * The one way accepted messages are stored, single sends (in rounds) and bulk parts alike.
 *
 * The commit point is the messages' insert: their owed commands are stored just before it, so from
 * then on the relay sends them whatever else fails. Before it, a failure leaves at most entries
 * without messages, which the relay drops: nothing a retry could duplicate. A failure of the
 * messages' insert itself may have stored them unless it never reached the store (OutcomeUnknownError). After it, the
 * audit entries: their failure is reported (`audited`), never thrown, as the messages go out.
 * Publishing is the caller's: when and how fast differs.
 */
@Injectable()
export class AcceptedStore {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * The messages' records and their commands, in order; a scheduled one's command is due at its time.
   * `repeat`: these messages may have been written before (their entries then keep their old age).
   * `alsoRecord`: audit entries written with the messages' (a bulk part's batch acceptance).
   */
  async store(accepted: Accepted[], acceptedAt = new Date(), options: { repeat?: boolean; alsoRecord?: AuditEvent[] } = {}): Promise<Stored> {
    const { records, owed } = await this.commit(accepted, acceptedAt, options);
    const events = [...(options.alsoRecord ?? []), ...accepted.map(({ event }) => event)];
    return { records, owed, audited: await this.recordAcceptance(events, acceptedAt) };
  }

  /**
   * Up to the commit point: the owed commands, then the messages. Resolved, the messages are
   * accepted; their audit entries are the caller's to write next (recordAcceptance).
   */
  async commit(accepted: Accepted[], acceptedAt = new Date(), options: { repeat?: boolean } = {}): Promise<Omit<Stored, 'audited'>> {
    const createdAt = new Date();
    const owed = accepted.map(({ message }) => ({
      messageId: message.id, dueAt: message.sendAt ?? acceptedAt, createdAt, requestId: message.requestId, priority: message.priority,
      // A command published now finds its message as stored: it can say so (a scheduled one is published later).
      ...(message.sendAt ? {} : { stored: newMessageHint({ ...message, createdAt: acceptedAt }, this.config.twilio.authToken) }),
    }));
    await this.outbox.add(owed);
    let records: MessageRecord[];
    try {
      records = await this.messages.createMany(accepted.map(({ message }) => message), acceptedAt);
    } catch (error) {
      throw error instanceof Error && NEVER_SENT.has(error.name) ? error : new OutcomeUnknownError(error);
    }
    // Committed. An entry the relay judged an orphan while its message was being written is put back.
    if (options.repeat || Date.now() - createdAt.getTime() > SLOW_WRITE_MS) await this.outbox.add(owed).catch(() => undefined);
    return { records, owed };
  }

  /** Writes acceptances' audit entries (fixed ids); false if the store refused. Repeating it stores them once. */
  async recordAcceptance(events: AuditEvent[], acceptedAt: Date): Promise<boolean> {
    try {
      await this.audit.recordMany(events, acceptedAt);
      return true;
    } catch {
      return false;
    }
  }
}
