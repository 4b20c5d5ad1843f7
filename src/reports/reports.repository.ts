import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { DomainError } from '../common/domain-error';
import { MessageStatus } from '../lifecycle/message-status';
import { Message } from '../messages/message.schema';
import { OutcomeCount } from './delivery-tally';
import { ReportRange } from './report-range';

/** A report must not hold the store for long: past this, the caller is asked for a shorter range. */
const QUERY_TIME_LIMIT_MS = 30_000;
const STREAM_BATCH = 1000;
const MAX_TIME_EXPIRED = 50;

export class ReportTooSlowError extends DomainError {
  constructor() {
    super('report_too_slow', `the report took longer than ${QUERY_TIME_LIMIT_MS / 1000} s; ask for a shorter range`, 503);
  }
}

function translateTimeout(error: unknown): never {
  throw (error as { code?: number }).code === MAX_TIME_EXPIRED ? new ReportTooSlowError() : error;
}

/** Messages accepted in the range ({createdAt} index), of its project when it names one (filtered). */
function accepted(range: ReportRange): Record<string, unknown> {
  return { ...(range.projectId ? { projectId: range.projectId } : {}), createdAt: { $gte: range.from, $lt: range.to } };
}

interface OutcomeKey {
  status: MessageStatus;
  errorCode?: number | null;
  segments?: number | null;
}

function toOutcome(key: OutcomeKey, count: number): OutcomeCount {
  return { status: key.status, errorCode: key.errorCode ?? null, segments: key.segments ?? 0, count };
}

/**
 * Read-only queries behind GET /v1/reports/delivery; all of them select messages by createdAt
 * (the {createdAt} index). They are shaped by what FerretDB 1.24, our local store, computes
 * correctly, measured against it: `$match`, `$group` by a compound key, `$sum` and `$count` work;
 * a `$group` with more than one accumulator silently returns 0 for all but the first; `$avg`,
 * `$min`, `$max`, `$first`, `$push`, `$cond`, `$ifNull`, date operators (`$dateToString`,
 * `$dateTrunc`, `$year`), `$substr`, `$subtract`, `$filter`, `$bucket`, `$facet` and `$sample`
 * are not implemented; `$project` of a field path yields the literal string; `$elemMatch`
 * matches nothing.
 */
@Injectable()
export class ReportsRepository {
  constructor(@InjectModel(Message.name) private readonly model: Model<Message>) {}

  /**
   * Messages accepted in the range, counted by status, error code and segment count. Segments are
   * part of the key rather than a second `$sum` (see above): segments sent = Σ segments × count.
   */
  async countOutcomes(range: ReportRange): Promise<OutcomeCount[]> {
    const rows = await this.model
      .aggregate<{ _id: OutcomeKey; count: number }>([
        { $match: accepted(range) },
        { $group: { _id: { status: '$status', errorCode: '$errorCode', segments: '$segments' }, count: { $sum: 1 } } },
      ])
      .option({ maxTimeMS: QUERY_TIME_LIMIT_MS })
      .catch(translateTimeout);
    return rows.map((row) => toOutcome(row._id, row.count));
  }

  /**
   * Each message's recipient and outcome, one at a time, for groupings the store cannot compute
   * (the country is read from the number by libphonenumber). Memory stays at one batch.
   */
  async *streamOutcomes(range: ReportRange): AsyncGenerator<OutcomeCount & { to: string }> {
    const cursor = this.model
      .find(accepted(range), { _id: 0, to: 1, status: 1, errorCode: 1, segments: 1 })
      .lean<Array<OutcomeKey & { to: string }>>()
      .batchSize(STREAM_BATCH)
      .maxTimeMS(QUERY_TIME_LIMIT_MS)
      .cursor();
    try {
      for await (const doc of cursor) yield { ...toOutcome(doc, 1), to: doc.to };
    } catch (error) {
      translateTimeout(error);
    }
  }

  /**
   * Milliseconds from acceptance to the `delivered` history entry, for at most `cap` delivered
   * messages of the range (in the order the store returns them, acceptance order with the index).
   * Computed here because FerretDB can neither subtract dates nor pick an array element.
   */
  async deliveryDurations(range: ReportRange, cap: number): Promise<number[]> {
    const cursor = this.model
      .find({ ...accepted(range), status: MessageStatus.Delivered }, { _id: 0, createdAt: 1, history: 1 })
      .limit(cap)
      .lean<Array<Pick<Message, 'createdAt' | 'history'>>>()
      .batchSize(STREAM_BATCH)
      .maxTimeMS(QUERY_TIME_LIMIT_MS)
      .cursor();
    const durations: number[] = [];
    try {
      for await (const doc of cursor) {
        const delivered = doc.history.find((change) => change.status === MessageStatus.Delivered);
        if (delivered) durations.push(new Date(delivered.at).getTime() - new Date(doc.createdAt).getTime());
      }
    } catch (error) {
      translateTimeout(error);
    }
    return durations;
  }
}
