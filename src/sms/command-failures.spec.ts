import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { CommandFailures, FAILURES_HEADER } from './command-failures';

describe('CommandFailures', () => {
  const config = { maxCommandFailures: 3, retry: { maxAttempts: 3, baseMs: 100, maxMs: 10_000 } } as AppConfig;
  const failures = new CommandFailures(config);
  const storeDown = Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' });

  it('parks a domain error at once, with its message', () => {
    expect(failures.outcomeOf(new DomainError('unknown_message', 'message x does not exist', 404), {})).toEqual({
      kind: 'dead', reason: 'message x does not exist',
    });
  });

  it('counts other errors in the header and hands the command on through growing delay levels, capped at the top one', () => {
    const first = failures.outcomeOf(new TypeError('boom'), {});
    expect(first).toMatchObject({ kind: 'again', failures: 1, level: 1, reason: 'TypeError: boom' });
    expect(failures.outcomeOf(new TypeError('boom'), { [FAILURES_HEADER]: 1 })).toMatchObject({ kind: 'again', failures: 2, level: 2 });
    const top = new CommandFailures({ ...config, maxCommandFailures: 10 } as AppConfig).outcomeOf(new Error('x'), { [FAILURES_HEADER]: 6 });
    expect(top).toMatchObject({ kind: 'again', failures: 7, level: 2 });
  });

  it('parks on the N-th failure, naming the count, the limit and the error', () => {
    const outcome = failures.outcomeOf(new Error('E11000 duplicate key'), { [FAILURES_HEADER]: 2 });
    expect(outcome).toEqual({ kind: 'dead', reason: 'failed 3 times (SMS_MAX_COMMAND_FAILURES=3): Error: E11000 duplicate key' });
  });

  it('waits out the store being unreachable without counting it', () => {
    expect(failures.outcomeOf(storeDown, { [FAILURES_HEADER]: 2 })).toMatchObject({ kind: 'again', failures: 2, level: 2 });
    expect(failures.outcomeOf(storeDown, {})).toMatchObject({ kind: 'again', failures: 0, level: 1 });
    const bulkCut = Object.assign(new Error('connection 15 closed'), { name: 'MongoBulkWriteError', writeErrors: [] });
    expect(failures.outcomeOf(bulkCut, {})).toMatchObject({ kind: 'again', failures: 0 });
    const bulkRefused = Object.assign(new Error('E11000'), { name: 'MongoBulkWriteError', writeErrors: [{ code: 11000 }] });
    expect(failures.outcomeOf(bulkRefused, {})).toMatchObject({ kind: 'again', failures: 1 });
  });

  it('reads a missing or garbled header as no failures', () => {
    for (const value of [undefined, 'many', -3, 1.5]) {
      expect(failures.outcomeOf(new Error('x'), { [FAILURES_HEADER]: value })).toMatchObject({ failures: 1 });
    }
  });
});
