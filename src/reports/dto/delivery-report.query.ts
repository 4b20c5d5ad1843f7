import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS } from '../report-range';

export const REPORT_GROUPINGS = ['day', 'status', 'errorCode', 'country'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];

/** A date, or a date-time with its zone: a zone-less time would be read in the server's zone. */
const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const dateMessage = (name: string) =>
  `${name} must be an ISO 8601 date (2025-01-31) or date-time with a zone (2025-01-31T12:00:00Z)`;

export class DeliveryReportQuery {
  @ApiPropertyOptional({
    example: '2025-01-01',
    description: `Start (inclusive), by acceptance time. A bare date is 00:00 UTC. Default: ${DEFAULT_RANGE_DAYS} days before \`to\``,
  })
  @IsOptional() @Matches(ISO_DATE_OR_TIME, { message: dateMessage('from') })
  from?: string;

  @ApiPropertyOptional({
    example: '2025-01-31',
    description: `End (exclusive); a bare date includes that whole UTC day. Default: now. At most ${MAX_RANGE_DAYS} days after \`from\``,
  })
  @IsOptional() @Matches(ISO_DATE_OR_TIME, { message: dateMessage('to') })
  to?: string;

  @ApiPropertyOptional({
    enum: REPORT_GROUPINGS,
    default: 'day',
    description: 'day: UTC days of acceptance, every day of the range listed. status: current status. '
      + 'errorCode: Twilio error code of failed and undelivered messages ("unknown" when they have none, "none" for the rest). '
      + 'country: ISO country of the recipient ("unknown" when the number does not pin one down).',
  })
  @IsOptional() @IsIn(REPORT_GROUPINGS, { message: `groupBy must be one of: ${REPORT_GROUPINGS.join(', ')}` })
  groupBy: ReportGrouping = 'day';
}
