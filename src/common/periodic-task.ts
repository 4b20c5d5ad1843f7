/**
 * A task run every `everyMs` in the background, one run at a time: a run asked for while one is
 * under way (by the timer or by a caller) gets `idle` at once instead of overlapping it. The timer
 * does not keep the process up. The relays and the reconciler each drive their pass with one.
 */
export class PeriodicTask<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T>;

  constructor(
    private readonly run: () => Promise<T>,
    private readonly idle: T,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.runOnce(), everyMs);
    this.timer.unref();
  }

  runOnce(): Promise<T> {
    if (this.running) return Promise.resolve(this.idle);
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No run after this; returns the one under way, for a caller that must let it finish. */
  stop(): Promise<T | undefined> {
    clearInterval(this.timer);
    return this.running ?? Promise.resolve(undefined);
  }
}
