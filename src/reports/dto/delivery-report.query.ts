import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsIsoDateOrTime } from '../../common/iso-date';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS } from '../report-range';

export const REPORT_GROUPINGS = ['day', 'status', 'errorCode', 'country'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];


export class DeliveryReportQuery {
  @ApiPropertyOptional({
    example: '2025-01-01',
    description: `Start (inclusive), by acceptance time. A bare date is 00:00 UTC. Default: ${DEFAULT_RANGE_DAYS} days before \`to\``,
  })
  @IsOptional() @IsIsoDateOrTime('from')
  from?: string;

  @ApiPropertyOptional({
    example: '2025-01-31',
    description: `End (exclusive); a bare date includes that whole UTC day. Default: now. At most ${MAX_RANGE_DAYS} days after \`from\``,
  })
  @IsOptional() @IsIsoDateOrTime('to')
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
