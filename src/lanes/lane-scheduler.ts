import type { Priority } from './priority';

/**
 * Shares guaranteed to the lower lanes while they have callers waiting: a lane passed over this
 * many turns in a row (the turns went to higher lanes) takes the next one. So `low` gets at least
 * one turn in 10 and `normal` one in 4, however many `high` callers keep coming: slowed, never
 * starved. High still waits at most one turn for them.
 */
export const MAX_PASSED_OVER: Record<Exclude<Priority, 'high'>, number> = { normal: 3, low: 9 };

type Waiter = () => void;

/**
 * Orders callers by lane for a limited number of places: `turn(priority)` resolves once the
 * caller holds one of `places`, and it hands the place back with the function it resolves with.
 * A free place goes to the longest-waiting caller of the most urgent lane, unless a lower lane has
 * been passed over its MAX_PASSED_OVER turns. Within a lane, first come, first served.
 *
 * The worker holds one per sender in front of its send pace (SendPacer): a place is a pace slot
 * reserved ahead, so a `high` command waits for at most the few slots already handed out, not for
 * every command the worker has prefetched (that would be SMS_PREFETCH per lane).
 */
export class LaneScheduler {
  private held = 0;
  private readonly waiting: Record<Priority, Waiter[]> = { high: [], normal: [], low: [] };
  private readonly passedOver = { normal: 0, low: 0 };

  constructor(private readonly places: number) {}

  /** Callers waiting in each lane, and places held: for tests and metrics. */
  get state(): { held: number; waiting: Record<Priority, number> } {
    const { high, normal, low } = this.waiting;
    return { held: this.held, waiting: { high: high.length, normal: normal.length, low: low.length } };
  }

  async turn(priority: Priority): Promise<() => void> {
    if (this.held < this.places && this.nobodyWaiting()) {
      this.held += 1;
    } else {
      await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      this.handOut();
    };
  }

  private nobodyWaiting(): boolean {
    return this.waiting.high.length + this.waiting.normal.length + this.waiting.low.length === 0;
  }

  private handOut(): void {
    while (this.held < this.places) {
      const lane = this.nextLane();
      if (!lane) return;
      this.held += 1;
      this.waiting[lane].shift()!();
    }
  }

  /** The lane whose caller goes next; counts the turn against the lower lanes it passes over. */
  private nextLane(): Priority | undefined {
    const overdue = (['low', 'normal'] as const).find((lane) => this.waiting[lane].length > 0 && this.passedOver[lane] >= MAX_PASSED_OVER[lane]);
    const lane = overdue ?? (['high', 'normal', 'low'] as const).find((candidate) => this.waiting[candidate].length > 0);
    if (!lane) return undefined;
    for (const lower of ['normal', 'low'] as const) {
      this.passedOver[lower] = lower === lane || this.waiting[lower].length === 0 ? 0 : this.passedOver[lower] + 1;
    }
    return lane;
  }
}
