import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SmartEncodingResultDto } from '../../messages/dto/message-view.dto';
import { BulkRejectionDto, BulkSegmentsDto } from '../../bulk/dto/bulk.dto';

export class PolicyVerdictDto {
  @ApiProperty({ example: 'allowed', enum: ['allowed', 'refused'] }) verdict!: 'allowed' | 'refused';
  @ApiPropertyOptional({ example: 'country_not_allowed', description: 'Why it would be refused' }) code?: string;
  @ApiPropertyOptional({ example: 'sending to US is not allowed (ALLOWED_COUNTRIES)' }) reason?: string;
  @ApiProperty({
    example: 'destination',
    description: 'What was judged: the destination rules (ALLOWED_COUNTRIES, ALLOWED_NUMBER_TYPES). The hourly and daily limits are not: checking them would spend them',
  }) checked!: string;
}

export class QuietHoursPreviewDto {
  @ApiProperty({ example: { start: '21:00', end: '08:00' } }) window!: { start: string; end: string };
  @ApiProperty({ example: ['America/Sao_Paulo'], description: "The recipient's zones, from the number (empty: unknown, so not deferred)" }) zones!: string[];
  @ApiPropertyOptional({ description: 'Set when it falls inside the window: the time it is moved to (also its sendAt)' }) deferredTo?: Date;
}

export class LanePreviewDto {
  @ApiProperty({ enum: ['high', 'normal', 'low'], example: 'high', description: 'The priority it would have: given, else normal for a single send, low for bulk' })
  priority!: 'high' | 'normal' | 'low';
  @ApiProperty({ example: 'notifyx.sms.high', description: 'The RabbitMQ queue its command would wait in' }) queue!: string;
}

export class MessagePreviewDto {
  @ApiProperty({ example: '+5511987654321' }) to!: string;
  @ApiPropertyOptional({ example: 'BR', description: 'ISO 3166-1 country of the number; absent when the digits do not pin one down' }) country?: string;
  @ApiPropertyOptional({ example: 'MOBILE', description: "libphonenumber's number type" }) numberType?: string;
  @ApiProperty({ example: 'Your code is 123456', description: 'The text as it would be sent: rendered, smart-encoded' }) body!: string;
  @ApiProperty({ example: 'GSM-7', enum: ['GSM-7', 'UCS-2'] }) encoding!: string;
  @ApiProperty({ example: 1, description: 'Segments as sent and billed' }) segments!: number;
  @ApiPropertyOptional({ type: SmartEncodingResultDto, description: 'Set when smart encoding is on: the segments and encoding before it' })
  smartEncoding?: SmartEncodingResultDto;
  @ApiProperty({ type: PolicyVerdictDto }) policy!: PolicyVerdictDto;
  @ApiProperty({ type: LanePreviewDto, description: 'The lane it would wait in (README, "Priority lanes")' }) lane!: LanePreviewDto;
  @ApiPropertyOptional({ description: 'When it would go out, if not at once: the requested sendAt, or the end of the quiet hours it falls in' }) sendAt?: Date;
  @ApiPropertyOptional({ description: 'When it would expire' }) expiresAt?: Date;
  @ApiPropertyOptional({ type: QuietHoursPreviewDto, description: 'Set when quiet hours apply to it' }) quietHours?: QuietHoursPreviewDto;
  @ApiPropertyOptional({ description: 'ValidityPeriod Twilio would get if it went out at its sendAt (or now)', example: 300 }) validityPeriod?: number;
}

export class BulkPreviewDto {
  @ApiProperty({ example: 10000 }) total!: number;
  @ApiProperty({ example: 9998, description: 'Recipients that pass the checks and the destination rules' }) accepted!: number;
  @ApiProperty({ type: [BulkRejectionDto], description: 'Recipients that would be rejected, with their index' }) rejected!: BulkRejectionDto[];
  @ApiProperty({ type: BulkSegmentsDto, description: 'Segments of the accepted recipients, before and after smart encoding (equal when it is off)' })
  segments!: BulkSegmentsDto;
  @ApiProperty({ type: [MessagePreviewDto], description: 'Per recipient, the first `limit` accepted ones (query parameter, 20 by default)' })
  results!: MessagePreviewDto[];
}
