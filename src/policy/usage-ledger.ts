import { Injectable } from '@nestjs/common';
import { InjectModel, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One step of a counter: `total` after this step. Entry n+1 has the _id `<counter>#<n+1>`, so of
 * two writers that read the same latest entry only one can append after it.
 */
@Schema({ collection: 'usage_ledger', versionKey: false })
export class UsageEntry {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  counter!: string;

  @Prop({ required: true })
  seq!: number;

  @Prop({ required: true })
  total!: number;

  @Prop({ required: true })
  expiresAt!: Date;
}

export const UsageEntrySchema = SchemaFactory.createForClass(UsageEntry);

// UsageLedger.add: the latest entry of one counter
UsageEntrySchema.index({ counter: 1, seq: -1 });
// UsageLedger.purge: entries of windows that are over
UsageEntrySchema.index({ expiresAt: 1 });

/** One addition to one counter, for `addMany`. */
export interface CounterStep {
  counter: string;
  amount: number;
  limit: number;
  expiresAt: Date;
}

const MAX_ATTEMPTS = 100;
/** Older entries of a counter are history nobody reads: every KEEP appends, drop them. */
const KEEP = 100;
const PURGE_EVERY_MS = 60_000;

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number }).code === 11000;
}

/**
 * Counters that stay exact under concurrent writers on MongoDB and on FerretDB. FerretDB applies
 * neither `$inc` nor conditional updates atomically (concurrent updates of one document overwrite
 * each other), but both stores enforce unique _id inserts: a counter is an append-only chain.
 */
@Injectable()
export class UsageLedger {
  private lastPurge = 0;

  constructor(@InjectModel(UsageEntry.name) private readonly model: Model<UsageEntry>) {}

  /** Adds `amount` unless the total would pass `limit`; a negative amount gives back. */
  async add(counter: string, amount: number, limit: number, expiresAt: Date): Promise<boolean> {
    await this.purgeNow();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const latest = await this.model.findOne({ counter }).sort({ seq: -1 }).lean<UsageEntry>();
      const seq = (latest?.seq ?? 0) + 1;
      const total = (latest?.total ?? 0) + amount;
      if (amount > 0 && total > limit) return false;
      try {
        await this.model.create({ _id: `${counter}#${seq}`, counter, seq, total, expiresAt });
        if (seq % KEEP === 0) await this.model.deleteMany({ counter, seq: { $lte: seq - KEEP } });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await sleep(Math.min(2 * 2 ** attempt, 50) * Math.random());
    }
    throw new Error(`usage counter ${counter} stayed contended for ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Many counters at once, each added as by `add`, in two round trips when nobody else writes
   * them: one read of their latest entries, one unordered insert of the next ones. A counter
   * another writer moved meanwhile (its insert collides) goes through `add` on its own.
   */
  async addMany(steps: CounterStep[]): Promise<boolean[]> {
    if (steps.length === 0) return [];
    if (steps.length === 1) {
      // One counter: `add` looks it up by equality, which every store serves from an index ($in is not pushed down everywhere).
      const [{ counter, amount, limit, expiresAt }] = steps;
      return [await this.add(counter, amount, limit, expiresAt)];
    }
    await this.purgeNow();
    const latest = new Map<string, UsageEntry>();
    const entries = await this.model.find({ counter: { $in: steps.map((step) => step.counter) } }, { counter: 1, seq: 1, total: 1 }).lean<UsageEntry[]>();
    for (const entry of entries) if ((latest.get(entry.counter)?.seq ?? 0) < entry.seq) latest.set(entry.counter, entry);
    const results = steps.map(({ counter, amount, limit }) => !(amount > 0 && (latest.get(counter)?.total ?? 0) + amount > limit));
    const next = steps.flatMap(({ counter, amount, expiresAt }, index) => {
      if (!results[index]) return [];
      const seq = (latest.get(counter)?.seq ?? 0) + 1;
      return [{ _id: `${counter}#${seq}`, counter, seq, total: (latest.get(counter)?.total ?? 0) + amount, expiresAt, index }];
    });
    const collided = new Set<number>();
    try {
      await this.model.insertMany(next.map(({ index: _, ...entry }) => entry), { ordered: false, lean: true });
    } catch (error) {
      const failures = (error as { writeErrors?: { index: number; err?: { code?: number }; code?: number }[] }).writeErrors;
      if (!failures) throw error;
      for (const failure of failures) {
        if ((failure.err?.code ?? failure.code) !== 11000) throw error;
        collided.add(next[failure.index].index);
      }
    }
    for (const index of collided) {
      const { counter, amount, limit, expiresAt } = steps[index];
      results[index] = await this.add(counter, amount, limit, expiresAt);
    }
    return results;
  }

  /** No TTL indexes on FerretDB: windows that are over are deleted here, at most once a minute. */
  private async purgeNow(): Promise<void> {
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    await this.model.deleteMany({ expiresAt: { $lt: new Date() } });
  }
}
