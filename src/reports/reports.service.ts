import { RequestContext, visibleProject } from '../common/request-context';
import { Injectable } from '@nestjs/common';
import { phoneCountry } from '../sms/phone';
import { DeliveryTally, failureCodeOf, median, OutcomeCount, ReportTally } from './delivery-tally';
import { DeliveryGroupDto, DeliveryReportDto } from './dto/delivery-report.dto';
import { DeliveryReportQuery, ReportGrouping } from './dto/delivery-report.query';
import { ReportRange, resolveRange, utcDays } from './report-range';
import { ReportsRepository } from './reports.repository';

/** Bounds the median's memory (8 bytes a sample) whatever the traffic; the response says how many were used. */
export const MEDIAN_SAMPLE_CAP = 100_000;
/** Per-day queries in flight at once: a 93-day report is 93 small indexed queries, not 93 at a time. */
const DAY_QUERIES_AT_ONCE = 6;

/** Group keys the store's own counts can be split by. */
const OUTCOME_KEYS: Record<'status' | 'errorCode', (row: OutcomeCount) => string> = {
  status: (row) => row.status,
  errorCode: (row) => {
    const code = failureCodeOf(row);
    return code === undefined ? 'none' : code === null ? 'unknown' : String(code);
  },
};

function toGroup(key: string, tally: DeliveryTally): DeliveryGroupDto {
  const { messages, delivered, failed, undelivered, deliveryRate, segmentsSent } = tally;
  return { key, messages, delivered, failed, undelivered, deliveryRate, segmentsSent };
}

@Injectable()
export class ReportsService {
  constructor(private readonly repository: ReportsRepository) {}

  /** Counts, rates, failure reasons and the acceptance-to-delivery median for messages accepted in the range. */
  async delivery(query: DeliveryReportQuery, context: RequestContext, now = new Date()): Promise<DeliveryReportDto> {
    const projectId = visibleProject(context);
    const range = { ...resolveRange(query, now), ...(projectId ? { projectId } : {}) };
    const groupBy = query.groupBy;
    const [tally, durations] = await Promise.all([
      this.tally(range, groupBy),
      this.repository.deliveryDurations(range, MEDIAN_SAMPLE_CAP),
    ]);
    const { totals } = tally;
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      groupBy,
      totals: {
        messages: totals.messages, delivered: totals.delivered, undelivered: totals.undelivered, failed: totals.failed,
        blocked: totals.blocked, canceled: totals.canceled, expired: totals.expired, pending: totals.pending, segmentsSent: totals.segmentsSent,
        deliveryRate: totals.deliveryRate, medianAcceptToDeliveredMs: median(durations), medianSampleSize: durations.length,
      },
      groups: tally.entries().map(([key, group]) => toGroup(key, group)),
      failureReasons: tally.failures.reasons(),
    };
  }

  private tally(range: ReportRange, groupBy: ReportGrouping): Promise<ReportTally> {
    if (groupBy === 'day') return this.byDay(range);
    if (groupBy === 'country') return this.byCountry(range);
    return this.byOutcome(range, OUTCOME_KEYS[groupBy]);
  }

  private async byOutcome(range: ReportRange, keyOf: (row: OutcomeCount) => string): Promise<ReportTally> {
    const tally = new ReportTally();
    for (const row of await this.repository.countOutcomes(range)) tally.add(keyOf(row), row);
    return tally;
  }

  /** FerretDB has no date operators to group by day with, so each UTC day is its own count. */
  private async byDay(range: ReportRange): Promise<ReportTally> {
    const days = utcDays(range);
    const tally = new ReportTally(days.map((day) => day.key));
    for (let start = 0; start < days.length; start += DAY_QUERIES_AT_ONCE) {
      const chunk = days.slice(start, start + DAY_QUERIES_AT_ONCE);
      const counts = await Promise.all(chunk.map((day) => this.repository.countOutcomes(day)));
      chunk.forEach((day, index) => counts[index].forEach((row) => tally.add(day.key, row)));
    }
    return tally;
  }

  /**
   * The country is not stored; it is read from each recipient (libphonenumber, ~15 µs a number),
   * so messages stream past one batch at a time and memory holds one tally per country.
   */
  private async byCountry(range: ReportRange): Promise<ReportTally> {
    const tally = new ReportTally();
    for await (const { to, ...row } of this.repository.streamOutcomes(range)) {
      tally.add(phoneCountry(to) ?? 'unknown', row);
    }
    return tally;
  }
}
