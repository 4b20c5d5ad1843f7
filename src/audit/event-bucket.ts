import { randomBytes } from 'node:crypto';

/** Ten seconds of one process's pending events share a bucket. */
const WINDOW_MS = 10_000;
/** This process's part of its buckets' names. */
const PROCESS = randomBytes(4).toString('hex');

/**
 * The settle key of an event written pending at `at` by this process (`<process>.<window>`).
 * A settle names its events' buckets by equality, which every store serves from an index, and
 * reads only what is still pending in them: on FerretDB an `$in` of fences is not pushed down, so
 * a settle by fences alone read every pending entry of every process (docs/performance.md,
 * "The settle that ran away"). Settled entries leave their bucket, so a bucket holds what is in flight.
 */
export function eventBucketOf(at: Date): string {
  return `${PROCESS}.${Math.floor(at.getTime() / WINDOW_MS)}`;
}
