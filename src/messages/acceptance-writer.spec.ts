import type { AuditService } from '../audit/audit.service';
import { AcceptanceWriter } from './acceptance-writer';
import type { AppConfig } from '../config/app-config';
import { OutcomeUnknownError } from '../idempotency/outcome-unknown.error';
import { AcceptedStore } from './accepted-store';
import type { CommandDispatcher } from '../outbox/command-dispatcher';
import type { NewMessage } from './message.record';
import type { MessagesRepository } from './messages.repository';
import type { OutboxRepository } from '../outbox/outbox';

const by = { actor: 'apikey:test', requestId: 'req-1' };
const message = (id: string, sendAt?: Date): NewMessage & { id: string } => ({
  id, to: '+5511987654321', from: null, body: `text ${id}`, segments: 1, encoding: 'GSM-7', createdBy: by.actor, sendAt,
});

describe('AcceptanceWriter', () => {
  let steps: string[];
  let failNextOutbox: boolean;
  let failMessages: boolean;
  let failAudits: number;
  let writer: AcceptanceWriter;
  let published: string[][];
  /** Audit writes wait for this: a test holds it to see what happens meanwhile. */
  let auditHeld: Promise<void>;

  beforeEach(() => {
    steps = [];
    published = [];
    auditHeld = Promise.resolve();
    failNextOutbox = false;
    failMessages = false;
    failAudits = 0;
    const outbox = {
      add: jest.fn(async (owed: { messageId: string }[]) => {
        steps.push(`outbox ${owed.map((o) => o.messageId).join(',')}`);
        if (failNextOutbox) {
          failNextOutbox = false;
    failMessages = false;
    failAudits = 0;
          throw new Error('store unreachable');
        }
      }),
    };
    const messages = {
      createMany: jest.fn(async (batch: { id: string }[]) => {
        steps.push(`messages ${batch.map((m) => m.id).join(',')}`);
        if (failMessages) throw new Error('connection closed');
        return batch.map((m) => ({ ...m, status: 'queued' }));
      }),
    };
    const audit = {
      recordMany: jest.fn(async (events: { id: string; messageId: string }[]) => {
        steps.push(`audit ${events.map((e) => e.messageId).join(',')}`);
        await auditHeld;
        if (events.some((e) => e.id !== e.messageId)) throw new Error('an acceptance entry without its fixed id');
        if (failAudits > 0) {
          failAudits -= 1;
          throw new Error('store unreachable');
        }
      }),
    };
    const dispatcher = { publish: jest.fn(async (owed: { messageId: string }[]) => void published.push(owed.map((o) => o.messageId))) };
    // The real store over doubles of the repositories: the order of the writes is its.
    const store = new AcceptedStore(messages as unknown as MessagesRepository, outbox as unknown as OutboxRepository, audit as unknown as AuditService, { twilio: { authToken: 'token' } } as AppConfig);
    writer = new AcceptanceWriter(store, dispatcher as unknown as CommandDispatcher);
  });

  it('writes messages accepted at the same time in one round: owed commands first, then messages and audit, then publishes', async () => {
    const records = await Promise.all(['a', 'b', 'c'].map((id) => writer.write(message(id), by)));
    expect(records.map((record) => record.id)).toEqual(['a', 'b', 'c']);
    expect(steps).toEqual(['outbox a,b,c', 'messages a,b,c', 'audit a,b,c']);
    expect(published).toEqual([['a', 'b', 'c']]);
  });

  it('gathers what arrives during a round into the next one, and publishes no scheduled message', async () => {
    const first = writer.write(message('a'), by);
    await new Promise(setImmediate); // the first round has started
    const later = ['b', 'c'].map((id) => writer.write(message(id, id === 'c' ? new Date(Date.now() + 120_000) : undefined), by));
    await Promise.all([first, ...later]);
    expect(steps.filter((step) => step.startsWith('outbox'))).toEqual(['outbox a', 'outbox b,c']);
    expect(published).toEqual([['a'], ['b']]);
  });

  it('starts the next round at the commit point, and answers a request only once its audit entry is written', async () => {
    let releaseAudit!: () => void;
    auditHeld = new Promise((resolve) => (releaseAudit = resolve));
    let answered = false;
    const first = writer.write(message('a'), by).then((record) => (answered = true) && record);
    await new Promise(setImmediate);
    const second = writer.write(message('b'), by);
    await new Promise(setImmediate);
    await new Promise(setImmediate);
    // Round b is written while round a's audit entry is still on its way; a is published, not answered.
    expect(steps).toEqual(['outbox a', 'messages a', 'audit a', 'outbox b', 'messages b', 'audit b']);
    expect(published).toEqual([['a'], ['b']]);
    expect(answered).toBe(false);
    releaseAudit();
    await expect(Promise.all([first, second])).resolves.toMatchObject([{ id: 'a' }, { id: 'b' }]);
  });

  it('fails every message of a round the store refuses, and the next round still goes through', async () => {
    failNextOutbox = true;
    const refused = Promise.allSettled(['a', 'b'].map((id) => writer.write(message(id), by)));
    expect((await refused).map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(steps).toEqual(['outbox a,b']);
    await expect(writer.write(message('c'), by)).resolves.toMatchObject({ id: 'c' });
    expect(published).toEqual([['c']]);
  });

  it('answers a store failure during the messages\' insert as an unknown outcome, never as "nothing accepted"', async () => {
    failMessages = true;
    await expect(writer.write(message('a'), by)).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(published).toEqual([]);
  });

  it('accepts and publishes once the messages are stored, even if the audit entries fail, and writes them again', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      failAudits = 2;
      await expect(writer.write(message('a'), by)).resolves.toMatchObject({ id: 'a' });
      expect(published).toEqual([['a']]);
      expect(steps).toEqual(['outbox a', 'messages a', 'audit a']);
      await jest.advanceTimersByTimeAsync(1000);
      await jest.advanceTimersByTimeAsync(2000);
      expect(steps).toEqual(['outbox a', 'messages a', 'audit a', 'audit a', 'audit a']);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(steps.filter((step) => step.startsWith('audit'))).toHaveLength(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
