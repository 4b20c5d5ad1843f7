import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('runs one pass at a time: a run asked for during one gets the idle answer', async () => {
    let finish!: (value: number) => void;
    const run = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const task = new PeriodicTask(run, 0);
    const first = task.runOnce();
    await expect(task.runOnce()).resolves.toBe(0);
    expect(run).toHaveBeenCalledTimes(1);
    finish(7);
    await expect(first).resolves.toBe(7);
    const second = task.runOnce();
    finish(3);
    await expect(second).resolves.toBe(3);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('runs on its timer until stopped, and hands the run under way to the one stopping it', async () => {
    jest.useFakeTimers();
    let finish!: (value: number) => void;
    const run = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const task = new PeriodicTask(run, 0);
    task.start(1000);
    jest.advanceTimersByTime(1000);
    expect(run).toHaveBeenCalledTimes(1);
    const stopped = task.stop();
    finish(5);
    await expect(stopped).resolves.toBe(5);
    jest.advanceTimersByTime(5000);
    expect(run).toHaveBeenCalledTimes(1);
    await expect(task.stop()).resolves.toBeUndefined();
  });
});
