import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { MessageStatus } from '../lifecycle/message-status';
import type { MessageRecord } from '../messages/message.record';
import type { MessagesRepository } from '../messages/messages.repository';
import { ProviderStatus, SmsProvider, SmsProviderError } from './sms-provider';
import { StatusReconciler } from './status-reconciler';
import { describeTwilioError } from './twilio-errors';

const message = (n: number, status = MessageStatus.Sent) =>
  ({ id: `m${n}`, status, twilioSid: `SM${n}` }) as MessageRecord;

/** Twilio's answers by SID: a status report, or an error to throw. */
type Answers = Record<string, Partial<ProviderStatus> | Error>;

function fixture(stuck: MessageRecord[], answers: Answers, batchSize = 10) {
  const provider: SmsProvider = {
    send: jest.fn(),
    findSent: jest.fn(),
    fetch: jest.fn(async (sid: string) => {
      const answer = answers[sid] ?? { status: 'sent' };
      if (answer instanceof Error) throw answer;
      return { sid, status: 'sent', errorCode: null, errorMessage: null, ...answer };
    }),
  };
  const findStuck = jest.fn(async (_statuses: MessageStatus[], _before: Date, limit: number, after?: string) => {
    const from = after ? stuck.findIndex((m) => m.id === after) + 1 : 0;
    return stuck.slice(from, from + limit);
  });
  const applyReported = jest.fn(async (id: string, status: MessageStatus, _report: unknown, _by: unknown) => ({ id, status }) as MessageRecord);
  const config = { reconcile: { intervalMs: 1000, afterMs: 60_000, batchSize } } as AppConfig;
  const reconciler = new StatusReconciler(
    provider,
    { findStuck } as unknown as MessagesRepository,
    { applyReported } as unknown as MessageLifecycle,
    config,
  );
  return { reconciler, provider, findStuck, applyReported };
}

describe('StatusReconciler', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  it('asks for messages stuck in sent or sending since RECONCILE_AFTER_MS and applies delivered', async () => {
    const { reconciler, findStuck, applyReported } = fixture([message(1)], { SM1: { status: 'delivered' } });
    const started = Date.now();
    await expect(reconciler.reconcileOnce()).resolves.toEqual({ checked: 1, changed: 1 });
    const [statuses, before, limit] = findStuck.mock.calls[0];
    expect(statuses).toEqual([MessageStatus.Sent, MessageStatus.Sending]);
    expect(before.getTime()).toBeGreaterThanOrEqual(started - 60_000);
    expect(before.getTime()).toBeLessThanOrEqual(Date.now() - 60_000);
    expect(limit).toBe(10);
    expect(applyReported).toHaveBeenCalledWith('m1', MessageStatus.Delivered, { twilioSid: 'SM1', failure: undefined }, { actor: 'reconciler' });
  });

  it('applies undelivered with the error code, Twilio\'s message and our description', async () => {
    const { reconciler, applyReported } = fixture([message(1)], {
      SM1: { status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' },
    });
    await reconciler.reconcileOnce();
    expect(applyReported).toHaveBeenCalledWith('m1', MessageStatus.Undelivered, {
      twilioSid: 'SM1',
      failure: { code: 30003, message: 'Unreachable destination handset', description: describeTwilioError(30003).description },
    }, { actor: 'reconciler' });
  });

  it('records a failure without a code with the catalogue\'s "no code" description', async () => {
    const { reconciler, applyReported } = fixture([message(1)], { SM1: { status: 'failed' } });
    await reconciler.reconcileOnce();
    expect(applyReported.mock.calls[0][2]).toEqual({
      twilioSid: 'SM1', failure: { code: undefined, message: describeTwilioError(null).title, description: describeTwilioError(null).description },
    });
  });

  it('leaves a message alone while Twilio still reports it sent, or reports something unknown', async () => {
    const { reconciler, applyReported } = fixture([message(1), message(2)], { SM1: { status: 'sent' }, SM2: { status: 'accepted' } });
    await expect(reconciler.reconcileOnce()).resolves.toEqual({ checked: 2, changed: 0 });
    expect(applyReported).not.toHaveBeenCalled();
  });

  it('moves a sending message with a SID on to sent', async () => {
    const { reconciler, applyReported } = fixture([message(1, MessageStatus.Sending)], { SM1: { status: 'sent' } });
    await reconciler.reconcileOnce();
    expect(applyReported).toHaveBeenCalledWith('m1', MessageStatus.Sent, expect.anything(), { actor: 'reconciler' });
  });

  it('does not count a change another writer (a callback, another worker) already made', async () => {
    const { reconciler, applyReported } = fixture([message(1)], { SM1: { status: 'delivered' } });
    applyReported.mockResolvedValueOnce(null as unknown as MessageRecord);
    await expect(reconciler.reconcileOnce()).resolves.toEqual({ checked: 1, changed: 0 });
  });

  it('skips a SID Twilio does not know, but stops the run when Twilio is unreachable, without throwing', async () => {
    const notFound = new SmsProviderError(20404, 'not found', 'nope', false);
    const down = new SmsProviderError(undefined, 'ECONNREFUSED', 'Twilio could not be reached', true);
    const { reconciler, provider, applyReported } = fixture([message(1), message(2), message(3), message(4)], {
      SM1: notFound, SM2: { status: 'delivered' }, SM3: down, SM4: { status: 'delivered' },
    });
    await expect(reconciler.reconcileOnce()).resolves.toEqual({ checked: 3, changed: 1 });
    expect(applyReported.mock.calls.map(([id]) => id)).toEqual(['m2']);
    expect(provider.fetch).toHaveBeenCalledTimes(3);
  });

  it('never runs two passes at once', async () => {
    const { reconciler, provider } = fixture([message(1)], { SM1: { status: 'delivered' } });
    const [first, second] = await Promise.all([reconciler.reconcileOnce(), reconciler.reconcileOnce()]);
    expect(first).toEqual({ checked: 1, changed: 1 });
    expect(second).toEqual({ checked: 0, changed: 0 });
    expect(provider.fetch).toHaveBeenCalledTimes(1);
    await expect(reconciler.reconcileOnce()).resolves.toEqual({ checked: 1, changed: 1 });
  });

  it('rotates through more stuck messages than a batch holds, then starts over', async () => {
    const stuck = [1, 2, 3, 4, 5].map((n) => message(n));
    const { reconciler, provider } = fixture(stuck, {}, 2);
    for (let run = 0; run < 4; run += 1) await reconciler.reconcileOnce();
    const asked = (provider.fetch as jest.Mock).mock.calls.map(([sid]) => sid);
    expect(asked).toEqual(['SM1', 'SM2', 'SM3', 'SM4', 'SM5', 'SM1', 'SM2']);
  });

  it('runs on its interval, and stops and waits for the current pass on shutdown', async () => {
    jest.useFakeTimers();
    try {
      let release!: () => void;
      const { reconciler, provider } = fixture([message(1), message(2)], {});
      (provider.fetch as jest.Mock).mockImplementationOnce(async (sid: string) => {
        await new Promise<void>((resolve) => (release = resolve));
        return { sid, status: 'delivered', errorCode: null, errorMessage: null };
      });
      reconciler.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(1000);
      expect(provider.fetch).toHaveBeenCalledTimes(1);
      const stopped = reconciler.beforeApplicationShutdown();
      release();
      await stopped;
      await jest.advanceTimersByTimeAsync(5000);
      // The pass ended after the message in hand, and no new pass started.
      expect(provider.fetch).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
