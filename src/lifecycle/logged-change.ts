import type { MessageRecord } from '../messages/message.record';
import type { MessageStatus } from './message-status';

/** The fields of a message a status change may set (or clear, with `undefined`). */
export type ChangeFields = Partial<Pick<MessageRecord, 'twilioSid' | 'errorCode' | 'errorMessage' | 'errorDescription' | 'attempts'>>;

/** One status change as the log holds it: number `seq` of its message, made at `at`. */
export interface LoggedChange {
  seq: number;
  at: Date;
  status: MessageStatus;
  set: Record<string, unknown>;
  unset: string[];
  detail?: string;
}

/** What consecutive changes make of a message document, last one winning per field. */
export interface Folded {
  status: MessageStatus;
  version: number;
  set: Record<string, unknown>;
  unset: string[];
  history: { status: MessageStatus; at: Date; detail?: string }[];
}

export function fold(changes: LoggedChange[]): Folded {
  const set: Record<string, unknown> = {};
  const unset = new Set<string>();
  for (const change of changes) {
    for (const [key, value] of Object.entries(change.set)) {
      set[key] = value;
      unset.delete(key);
    }
    for (const key of change.unset) {
      delete set[key];
      unset.add(key);
    }
  }
  const last = changes[changes.length - 1];
  return {
    status: last.status,
    version: last.seq,
    set,
    unset: [...unset],
    history: changes.map(({ status, at, detail }) => ({ status, at, ...(detail ? { detail } : {}) })),
  };
}

/** The same changes applied to a record in memory: what the document will show once they are projected. */
export function applyTo<T extends Partial<MessageRecord>>(record: T, changes: LoggedChange[]): T {
  if (changes.length === 0) return record;
  const { status, version, set, unset, history } = fold(changes);
  const next: Record<string, unknown> = { ...record, ...set, status, version, history: [...(record.history ?? []), ...history] };
  for (const key of unset) delete next[key];
  return next as T;
}

/** Splits a change's fields into what it sets and what it clears. */
export function split(fields: ChangeFields = {}): { set: Record<string, unknown>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) unset.push(key);
    else set[key] = value;
  }
  return { set, unset };
}
