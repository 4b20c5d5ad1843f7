import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import { maskPhone } from '../sms/phone';
import { AcceptedStore, Stored } from './accepted-store';
import { CommandDispatcher } from './command-dispatcher';
import type { Actor } from './message-lifecycle.service';
import { MessageRecord, NewMessage } from './message.record';

/** Most messages one round of writes takes; the rest wait for the next round. */
const MAX_BATCH = 500;

interface Pending {
  message: NewMessage & { id: string };
  by: Actor;
  resolve: (record: MessageRecord) => void;
  reject: (error: unknown) => void;
}
/**
 * Stores single messages as bulk sends store theirs: messages accepted at the same time are written
 * together (group commit). The first request of a quiet moment is written at once; requests that
 * arrive while a round is being written wait for the next round, which writes all of them with one
 * insert per collection (AcceptedStore: owed commands, then messages and audit entries) and
 * publishes their commands together.
 */
@Injectable()
export class AcceptanceWriter {
  private readonly waiting: Pending[] = [];
  private writing = false;

  constructor(
    private readonly store: AcceptedStore,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  /** Resolves once the message is stored and audited and, unless it is scheduled, its command published or left owed. */
  write(message: NewMessage & { id: string }, by: Actor): Promise<MessageRecord> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, by, resolve, reject });
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
    let stored: Stored;
    try {
      stored = await this.store.store(round.map(({ message, by }) => ({
        message,
        event: {
          ...by, action: AuditAction.MessageAccepted, messageId: message.id,
          details: { to: maskPhone(message.to), segments: message.segments, encoding: message.encoding },
        },
      })));
    } catch (error) {
      for (const pending of round) pending.reject(error);
      return;
    }
    // The next round's writes need not wait for these confirms.
    const due = stored.owed.filter((_, index) => !round[index].message.sendAt);
    void this.dispatcher.publish(due, { parallel: Math.max(due.length, 1) })
      .finally(() => round.forEach((pending, index) => pending.resolve(stored.records[index])));
  }
}
