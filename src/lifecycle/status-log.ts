import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEntry } from '../audit/audit-entry.schema';
import { AuditEvent, AuditService } from '../audit/audit.service';
import type { MessageRecord } from '../messages/message.record';
import { MessageStatus } from './message-status';
import { MessagesRepository } from '../messages/messages.repository';
import { applyTo, ChangeFields, LoggedChange, split } from './logged-change';

/** A change a writer decided on: the message's next status and fields, and how the audit log says it. */
export interface Change {
  status: MessageStatus;
  fields?: ChangeFields;
  /** Said in the history entry. */
  detail?: string;
  audit: Omit<AuditEvent, 'messageId' | 'id'>;
}

/**
 * What a writer knows of a message: at least its version, status and attempts (a command or a
 * callback URL can carry that much), and the changes logged past what its document shows.
 */
export type Basis = Pick<MessageRecord, 'id' | 'version' | 'status' | 'attempts'> & Partial<MessageRecord> & { pending: LoggedChange[] };
export type MessageState = MessageRecord & { pending: LoggedChange[] };

/** A writer that finds the document behind its log waits this long for the writer of the missing changes. */
const PROJECT_WAIT_MS = 2000;
/** Changes logged this long ago and still not on the document: their writer stopped; anyone projects them. */
const ROLL_FORWARD_AFTER_MS = 10_000;
/** A projection given up on a request's path is tried again this often, this many times, off it. */
const LATER_PAUSE_MS = 5000;
const LATER_TRIES = 12;
/** How long a writer whose projection missed waits before it tries once more, unread. */
const FIRST_MISS_PAUSE_MS = 100;
/** Writers that keep losing the race for the next number: something is wrong, say so. */
const MAX_RACES = 8;

function fenceOf(messageId: string, seq: number): string {
  return `${messageId}:${seq}`;
}

function toLogged(entry: AuditEntry): LoggedChange {
  const { status, set = {}, unset = [], detail } = entry.change!;
  return { seq: entry.seq!, at: entry.at, status: status as MessageStatus, set, unset, detail };
}

/**
 * How a message's status changes: the one place that decides whether two writers can both win.
 *
 * FerretDB (our local store) does not apply a conditional update atomically (measured: 187 of 200
 * racing claims both "won"); the one primitive it and MongoDB both apply atomically is a unique
 * insert. So every status change is first an audit entry with a unique fence `<messageId>:<n>`:
 * change number n is made by the one writer whose insert wins, and a writer only tries n after
 * seeing n-1 (in the document or the log). The loser learns at once that the message moved on,
 * reads what won and decides again: a change is decided once, on the state it follows.
 *
 * The document is a projection of that log: `version` says how many changes it shows, and a
 * writer projects its change with one write conditioned on the version before it (2 store
 * requests a change: the entry, the write). Because only the fence winner of n projects n,
 * conditional writes on one document never race except when a stopped writer's changes are
 * rolled forward (below), and then both writers write the same fold of the same log.
 *
 * A writer may append several changes and project them together: the worker logs its claim right
 * before calling Twilio and projects it with the outcome (`defer`). Until then the document lags
 * its log. Whoever reads a message to change it reads the log past the document too, and projects
 * what it finds there but an attempt still in flight (`load`). A Twilio callback may log its change
 * at the number it was told to expect before the worker has logged the one before it: it waits
 * PROJECT_WAIT_MS for the document to catch up, then keeps trying off the request's path
 * (`finishLater`); should its process stop, the next reader projects it.
 */
@Injectable()
export class StatusLog {
  private readonly logger = new Logger(StatusLog.name);

  constructor(
    private readonly messages: MessagesRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * The message as its log says it is: the document, and the changes logged past it. Those are
   * projected now, except an attempt still in flight (trailing `sending` changes): its outcome
   * projects it. A writer that died between its entry and its projection leaves its change to
   * whoever reads the message next (the redelivered command, a callback, the reconciler).
   */
  async load(messageId: string): Promise<MessageState | null> {
    const document = await this.messages.findById(messageId);
    if (!document) return null;
    const pending = await this.loggedAfter(messageId, document.version);
    let settled = pending.length;
    while (settled > 0 && pending[settled - 1].status === MessageStatus.Sending) settled -= 1;
    if (settled === 0) return { ...applyTo(document, pending), pending };
    const projected = await this.project(messageId, pending.slice(0, settled));
    if (!projected) return { ...applyTo(document, pending), pending };
    const rest = pending.filter((change) => change.seq > projected.version);
    return { ...applyTo(projected, rest), pending: rest };
  }

  /**
   * Decides on `known` (or on the message as loaded) and makes the change: the fence, then the
   * projection (unless `defer`: the caller projects it with its next change; `projectAfterMs`: a
   * writer that expects the document to lag its log a little, a pause before it tries). A lost race
   * for the fence decides again on the state that won. Null when `decide` finds nothing to change.
   */
  async change<S extends Basis>(
    messageId: string, decide: (current: S | MessageState) => Change | null, options: { known?: S; defer?: boolean; projectAfterMs?: number } = {},
  ): Promise<S | MessageState | null> {
    let current: S | MessageState | null = options.known ?? (await this.load(messageId));
    for (let race = 0; race < MAX_RACES && current; race += 1) {
      const decided = decide(current);
      if (!decided) return null;
      const logged = await this.append(messageId, current.version + 1, decided, current.projectId);
      if (logged) {
        const pending = [...current.pending, logged];
        const next = applyTo(current, [logged]);
        if (options.defer) return { ...next, pending };
        if (options.projectAfterMs) await sleep(options.projectAfterMs);
        const projected = await this.project(messageId, pending);
        if (!projected) this.finishLater(messageId, pending);
        return projected ? { ...projected, pending: [] } : { ...next, pending };
      }
      current = await this.load(messageId);
    }
    if (!current) return null;
    throw new Error(`message ${messageId}: lost the race for its next change ${MAX_RACES} times`);
  }

  /**
   * A projection given up on the request's path (a callback far ahead of the worker's write) is
   * tried again off it for a while, so the document catches up without waiting for the next reader;
   * should this process stop first, the next reader (a command, the reconciler) projects it.
   */
  private finishLater(messageId: string, changes: LoggedChange[], tries = LATER_TRIES): void {
    if (tries === 0) return;
    setTimeout(() => {
      this.project(messageId, changes)
        .then((projected) => projected ?? this.finishLater(messageId, changes, tries - 1))
        .catch((error: unknown) => this.logger.warn({ messageId, err: String(error) }, 'projection left to the next writer'));
    }, LATER_PAUSE_MS).unref();
  }

  /** Change number `seq`, if this writer's insert wins its fence; the entry names the message's project. */
  private async append(messageId: string, seq: number, change: Change, projectId?: string): Promise<LoggedChange | null> {
    const at = new Date();
    const { set, unset } = split(change.fields);
    const logged = { status: change.status, set, unset, ...(change.detail ? { detail: change.detail } : {}) };
    const won = await this.audit.recordFenced({ ...change.audit, projectId, messageId, seq, fence: fenceOf(messageId, seq), change: logged }, at);
    return won ? { seq, at, ...logged } : null;
  }

  /**
   * Brings the document to the last of `changes` (consecutive, logged): one conditional write when
   * it shows the version before them. Ahead: someone projected them already. Behind: the changes
   * before them are still being projected by their writer (wait), or that writer stopped (roll
   * them forward with ours), or are not logged yet (a callback ahead of the worker: wait).
   */
  private async project(messageId: string, changes: LoggedChange[]): Promise<MessageRecord | null> {
    const deadline = Date.now() + PROJECT_WAIT_MS;
    for (let pause = 5, misses = 0; ; pause = Math.min(pause * 2, 200), misses += 1) {
      const projected = await this.messages.project(messageId, changes);
      if (projected) return projected;
      // Most misses are a callback a few ms ahead of the worker's own write: try once more before reading.
      if (misses === 0) {
        await sleep(FIRST_MISS_PAUSE_MS);
        continue;
      }
      const document = await this.messages.findById(messageId);
      const last = changes[changes.length - 1].seq;
      if (!document || document.version >= last) return document;
      if (document.version >= changes[0].seq) {
        changes = changes.filter((change) => change.seq > document.version);
        continue;
      }
      const before = await this.loggedAfter(messageId, document.version, changes[0].seq - 1);
      const complete = before.length === changes[0].seq - 1 - document.version;
      if (complete && before.length && before[0].at.getTime() < Date.now() - ROLL_FORWARD_AFTER_MS) {
        changes = [...before, ...changes];
        continue;
      }
      if (Date.now() > deadline) {
        this.logger.warn({ messageId, version: document.version, logged: last }, 'document behind its log; the next writer projects it');
        return null;
      }
      await sleep(pause);
    }
  }

  /** Changes logged after `version`, in order, up to `until` or the first number not logged. */
  private async loggedAfter(messageId: string, version: number, until = Infinity): Promise<LoggedChange[]> {
    const found: LoggedChange[] = [];
    for (let seq = version + 1; seq <= until; seq += 1) {
      const entry = await this.audit.findFenced(fenceOf(messageId, seq));
      if (!entry?.change) break;
      found.push(toLogged(entry));
    }
    return found;
  }
}
