import { ApiProperty } from '@nestjs/swagger';
import { REPORT_GROUPINGS, ReportGrouping } from './delivery-report.query';

const RATE = 'delivered / (delivered + undelivered + failed), 4 decimals; null when none of those';
const SEGMENTS = 'Segments of the messages Twilio took (sent, delivered, undelivered)';

export class DeliveryTotalsDto {
  @ApiProperty({ description: 'Messages accepted in the range' }) messages!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() undelivered!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ description: 'Never sent: the recipient opted out or is blocklisted' }) blocked!: number;
  @ApiProperty({ description: 'Scheduled messages canceled before sending' }) canceled!: number;
  @ApiProperty({ description: 'Never sent: not handed to Twilio before their expiresAt' }) expired!: number;
  @ApiProperty({ description: 'Not final yet: scheduled, queued, sending or sent' }) pending!: number;
  @ApiProperty({ description: SEGMENTS }) segmentsSent!: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.9731, description: RATE }) deliveryRate!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Median time from acceptance to the delivered status; null when nothing was delivered' })
  medianAcceptToDeliveredMs!: number | null;

  @ApiProperty({ description: 'Delivered messages the median is computed from; capped at 100000 (the first ones of the range)' })
  medianSampleSize!: number;
}

export class DeliveryGroupDto {
  @ApiProperty({ example: '2025-01-31', description: 'A UTC day, status, error code or ISO country, per groupBy' }) key!: string;
  @ApiProperty() messages!: number;
  @ApiProperty() delivered!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() undelivered!: number;
  @ApiProperty({ type: Number, nullable: true, description: RATE }) deliveryRate!: number | null;
  @ApiProperty({ description: SEGMENTS }) segmentsSent!: number;
}

export class FailureReasonDto {
  @ApiProperty({ type: Number, nullable: true, example: 30003, description: 'Twilio error code; null when the failure had none' })
  errorCode!: number | null;

  @ApiProperty({ description: 'Failed and undelivered messages with this code' }) count!: number;
  @ApiProperty({ example: 'Unreachable destination handset' }) title!: string;
  @ApiProperty({ description: 'What it means and what to do about it' }) description!: string;
}

export class DeliveryReportDto {
  @ApiProperty({ description: 'Start of the range (inclusive)' }) from!: string;
  @ApiProperty({ description: 'End of the range (exclusive)' }) to!: string;
  @ApiProperty({ enum: REPORT_GROUPINGS }) groupBy!: ReportGrouping;
  @ApiProperty({ type: DeliveryTotalsDto }) totals!: DeliveryTotalsDto;
  @ApiProperty({ type: [DeliveryGroupDto] }) groups!: DeliveryGroupDto[];
  @ApiProperty({ type: [FailureReasonDto], description: 'Most frequent first' }) failureReasons!: FailureReasonDto[];
}
