import { MessageStatus } from '../lifecycle/message-status';
import { FinalStatusObserver } from './final-status-observer';
import type { MetricsRepository } from './metrics.repository';
import type { SmsMetrics } from './sms-metrics';

describe('FinalStatusObserver', () => {
  it('gathers the reports that arrive during a slow lookup into one lookup after it, not one each', async () => {
    const lookups: string[][] = [];
    let finishFirst!: () => void;
    const firstDone = new Promise<void>((resolve) => (finishFirst = resolve));
    const repository = {
      outcomes: jest.fn(async (ids: string[]) => {
        lookups.push(ids);
        if (lookups.length === 1) await firstDone;
        return new Map(ids.map((id) => [id, { createdAt: new Date(0) }]));
      }),
    };
    const delivered: (number | undefined)[] = [];
    const metrics = { messageDelivered: (ms?: number) => delivered.push(ms), messageFailed: jest.fn() };
    const observer = new FinalStatusObserver(repository as unknown as MetricsRepository, metrics as unknown as SmsMetrics);

    observer.report('a', MessageStatus.Delivered, new Date(1000));
    const first = observer.flush();
    await new Promise(setImmediate); // the lookup for 'a' is under way
    expect(lookups).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((id) => {
      observer.report(id, MessageStatus.Delivered, new Date(2000));
      return observer.flush();
    });
    await new Promise(setImmediate);
    expect(lookups).toEqual([['a']]);
    finishFirst();
    await Promise.all([first, ...later]);
    expect(lookups).toEqual([['a'], ['b', 'c', 'd']]);
    expect(delivered).toEqual([1000, 2000, 2000, 2000]);
    await observer.onApplicationShutdown();
    expect(lookups).toHaveLength(2);
  });
});
