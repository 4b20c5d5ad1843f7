import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AuditAction } from '../audit/audit-actions';
import type { AuditEvent } from '../audit/audit.service';
import { maskPhone } from '../sms/phone';
import { Accepted, AcceptedStore } from './accepted-store';
import { CommandDispatcher } from '../outbox/command-dispatcher';
import type { Actor } from '../lifecycle/message-lifecycle.service';
import { MessageRecord, NewMessage } from './message.record';

/** Most messages one round of writes takes; the rest wait for the next round. */
const MAX_BATCH = 500;
/** Audit entries the store refused after the commit point are written again, backing off to this. */
const AUDIT_RETRY_MAX_MS = 30_000;

interface Pending {
  message: NewMessage & { id: string };
  by: Actor;
  /** A request repeated with its Idempotency-Key: its message may have been written before. */
  repeat: boolean;
  resolve: (record: MessageRecord) => void;
  reject: (error: unknown) => void;
}

/** The audit entry that records a single send's acceptance; its id is the message's. */
export function acceptanceOf(message: NewMessage & { id: string }, by: Actor): Accepted['event'] {
  return {
    ...by, projectId: message.projectId, id: message.id, action: AuditAction.MessageAccepted, messageId: message.id,
    details: { to: maskPhone(message.to), segments: message.segments, encoding: message.encoding },
  };
}

/**
 * Stores single messages as bulk sends store theirs: messages accepted at the same time are written
 * together (group commit). The first request of a quiet moment is written at once; requests that
 * arrive while a round is being written wait for the next round, which writes all of them with one
 * insert per collection (AcceptedStore) and publishes their commands together. A round answers as
 * its commit point says: once the messages are stored, every request of it is accepted, whatever
 * fails after (audit entries written again here, commands left to the relay). Rounds overlap: the
 * next one is written while this one's audit entries and publishes are under way.
 */
@Injectable()
export class AcceptanceWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(AcceptanceWriter.name);
  private readonly waiting: Pending[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private writing = false;

  constructor(
    private readonly store: AcceptedStore,
    private readonly dispatcher: CommandDispatcher,
  ) {}

  /** Resolves once the message is stored (the commit point) and its acceptance audited or left to be written again. */
  write(message: NewMessage & { id: string }, by: Actor, options: { repeat?: boolean } = {}): Promise<MessageRecord> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, by, repeat: options.repeat ?? false, resolve, reject });
      if (!this.writing) void this.writeRounds();
    });
  }

  /** Writes a stored message's acceptance entry again, in the background; it is stored once. */
  recordAgain(message: MessageRecord): void {
    const events = [acceptanceOf(message, { actor: message.createdBy, requestId: message.requestId })];
    void this.store.recordAcceptance(events, message.createdAt).then((done) => done || this.auditLater(events, message.createdAt, 1000));
  }

  onApplicationShutdown(): void {
    for (const timer of this.retries) clearTimeout(timer);
  }

  private async writeRounds(): Promise<void> {
    this.writing = true;
    // Requests that arrived in the same turn of the event loop join the first round.
    await new Promise(setImmediate);
    while (this.waiting.length > 0) await this.writeRound(this.waiting.splice(0, MAX_BATCH));
    this.writing = false;
  }

  /**
   * Resolves at the round's commit point (or its failure), so the next round's writes start while
   * this one's audit entries and publishes are under way. Its requests are answered once their
   * audit entries are written (or left to be written again); the broker's confirms are not awaited:
   * a command it never confirms stays owed, and the relay publishes it.
   */
  private async writeRound(round: Pending[]): Promise<void> {
    const accepted = round.map(({ message, by }) => ({ message, event: acceptanceOf(message, by) }));
    const acceptedAt = new Date();
    let committed: Awaited<ReturnType<AcceptedStore['commit']>>;
    try {
      committed = await this.store.commit(accepted, acceptedAt, { repeat: round.some((pending) => pending.repeat) });
    } catch (error) {
      for (const pending of round) pending.reject(error);
      return;
    }
    const { records, owed } = committed;
    const due = owed.filter((_, index) => !round[index].message.sendAt);
    if (due.length > 0) void this.dispatcher.publish(due, { parallel: due.length });
    const events = accepted.map(({ event }) => event);
    void this.store.recordAcceptance(events, acceptedAt).then((audited) => {
      if (!audited) this.auditLater(events, acceptedAt, 1000);
      round.forEach((pending, index) => pending.resolve(records[index]));
    });
  }

  /** Until the store takes them: the messages are accepted, so their acceptance must be on record. */
  private auditLater(events: AuditEvent[], acceptedAt: Date, delayMs: number): void {
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.store.recordAcceptance(events, acceptedAt).then((done) => {
        if (!done) this.auditLater(events, acceptedAt, Math.min(delayMs * 2, AUDIT_RETRY_MAX_MS));
      });
    }, delayMs);
    timer.unref();
    this.retries.add(timer);
    if (delayMs === 1000) this.logger.warn({ messages: events.length }, 'acceptance audit entries not written; retrying in the background');
  }
}
