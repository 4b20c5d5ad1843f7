import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { maskPhone } from '../sms/phone';
import { CommandDispatcher } from './command-dispatcher';
import type { Actor } from './message-lifecycle.service';
import { MessageRecord, NewMessage } from './message.record';
import { MessagesRepository } from './messages.repository';
import { OutboxRepository, OwedCommand } from './outbox';

/** Most messages one round of writes takes; the rest wait for the next round. */
const MAX_BATCH = 500;

interface Pending {
  message: NewMessage & { id: string };
  owed: OwedCommand;
  by: Actor;
  resolve: (record: MessageRecord) => void;
  reject: (error: unknown) => void;
}

/**
 * Stores single messages as bulk sends store theirs: messages accepted at the same time are written
 * together (group commit). The first request of a quiet moment is written at once; requests that
 * arrive while a round is being written wait for the next round, which writes all of them with one
 * insert per collection and publishes their commands together. Each round keeps the single path's
 * order: the owed commands, then the messages and their audit entries, then the publishes.
 */
@Injectable()
export class AcceptanceWriter {
  private readonly waiting: Pending[] = [];
  private writing = false;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  /** Resolves once the message is stored and audited and, unless it is scheduled, its command published or left owed. */
  write(message: NewMessage & { id: string }, by: Actor): Promise<MessageRecord> {
    const owed = { messageId: message.id, dueAt: message.sendAt ?? new Date(), requestId: by.requestId };
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, owed, by, resolve, reject });
      if (!this.writing) void this.writeRounds();
    });
  }

  private async writeRounds(): Promise<void> {
    this.writing = true;
    // Requests that arrived in the same turn of the event loop join the first round.
    await new Promise(setImmediate);
    while (this.waiting.length > 0) await this.writeRound(this.waiting.splice(0, MAX_BATCH));
    this.writing = false;
  }

  private async writeRound(round: Pending[]): Promise<void> {
    let records: MessageRecord[];
    try {
      await this.outbox.add(round.map((pending) => pending.owed));
      [records] = await Promise.all([
        this.messages.createMany(round.map((pending) => pending.message)),
        this.audit.recordMany(round.map(({ message, by }) => ({
          ...by, action: AuditAction.MessageAccepted, messageId: message.id,
          details: { to: maskPhone(message.to), segments: message.segments, encoding: message.encoding },
        }))),
      ]);
    } catch (error) {
      for (const pending of round) pending.reject(error);
      return;
    }
    // The next round's writes need not wait for these confirms.
    const due = round.filter((pending) => !pending.message.sendAt).map((pending) => pending.owed);
    void this.dispatcher.publish(due, { parallel: Math.max(due.length, 1) })
      .finally(() => round.forEach((pending, index) => pending.resolve(records[index])));
  }
}
