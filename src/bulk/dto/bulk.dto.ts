import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsDate, IsMongoId, IsString, Length, ValidateIf, ValidateNested,
} from 'class-validator';
import { IsTemplateVariables } from '../../templates/template-variables';
import { IsOmittable } from '../../common/omittable';
import { StatusCallbackField } from '../../webhook-endpoints/status-callback.field';
import { PriorityField, Priority } from '../../lanes/priority';
import { ExpiresAtField, QuietHoursDto, QuietHoursField, SmartEncodingField, ValidForField } from '../../send-timing/timing-fields';

export const MAX_RECIPIENTS = 10_000;

export class BulkRecipientDto {
  @ApiProperty({ example: '11987654321' })
  @IsString() @Length(3, 32)
  to!: string;

  @ApiPropertyOptional({ example: { name: 'Ana' } })
  @IsOmittable() @IsTemplateVariables()
  variables?: Record<string, string | number>;
}

const usesTemplate = (dto: BulkSendDto) => dto.templateId !== undefined || dto.templateName !== undefined;

export class BulkSendDto {
  @ApiPropertyOptional({ description: 'The same text for everyone; or use a template' })
  @ValidateIf((dto: BulkSendDto) => !usesTemplate(dto))
  @IsString() @Length(1, 1600)
  body?: string;

  @ApiPropertyOptional() @IsOmittable() @IsMongoId()
  templateId?: string;

  @ApiPropertyOptional({ example: 'order-shipped' }) @IsOmittable() @IsString() @Length(1, 64)
  templateName?: string;

  @ApiProperty({ type: [BulkRecipientDto], maxItems: MAX_RECIPIENTS })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_RECIPIENTS) @ValidateNested({ each: true }) @Type(() => BulkRecipientDto)
  recipients!: BulkRecipientDto[];

  @ApiPropertyOptional({ description: 'Send at this time (1 minute to 35 days ahead)', example: '2026-12-01T12:00:00Z' })
  @IsOmittable() @Type(() => Date) @IsDate()
  sendAt?: Date;

  @ValidForField('from when the batch is due (its sendAt, or now), for every recipient')
  validFor?: number;

  @ExpiresAtField()
  expiresAt?: Date;

  @SmartEncodingField()
  smartEncoding?: boolean;

  @PriorityField('low (a bulk send drains behind single sends)')
  priority?: Priority;

  @QuietHoursField()
  quietHours?: QuietHoursDto | false;

  @StatusCallbackField('Every recipient\'s message posts its events here')
  statusCallback?: string;
}

export class BulkRejectionDto {
  @ApiProperty({ example: 3 }) index!: number;
  @ApiProperty({ example: '"123" is not a valid phone number: too short' }) reason!: string;
}

export class BulkSegmentsDto {
  @ApiProperty({ example: 19996, description: 'Segments of the accepted messages as written' }) before!: number;
  @ApiProperty({ example: 9998, description: 'Segments as sent and billed, after smart encoding' }) after!: number;
}

export class BulkAcceptedDto {
  @ApiProperty() batchId!: string;
  @ApiProperty({ example: 9998 }) accepted!: number;
  @ApiPropertyOptional({ type: BulkSegmentsDto, description: 'Set when smart encoding was on' }) segments?: BulkSegmentsDto;
  @ApiPropertyOptional({ example: 120, description: 'Recipients quiet hours moved to the end of their window (each message\'s sendAt says when; the preview lists them)' }) deferred?: number;
  @ApiProperty({ type: [BulkRejectionDto] }) rejected!: BulkRejectionDto[];
}

export class BatchProgressDto {
  @ApiProperty() id!: string;
  @ApiProperty() total!: number;
  @ApiProperty() accepted!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty({ example: { delivered: 9000, queued: 998 }, description: 'Messages by status' }) counts!: Record<string, number>;
  @ApiProperty({ example: 90.2, description: 'Share of accepted messages in a final status' }) percentDone!: number;
  @ApiProperty({ description: 'Segments of the messages that reached Twilio' }) segmentsSent!: number;
  @ApiPropertyOptional() sendAt?: Date;
  @ApiProperty() createdAt!: Date;
}
