import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsMongoId, IsObject, IsString, Length, ValidateIf } from 'class-validator';
import { IsTemplateVariables } from '../../templates/template-variables';
import { IsSafeMetadata } from '../../common/safe-metadata.validator';
import { IsOmittable } from '../../common/omittable';
import { StatusCallbackField } from '../../webhook-endpoints/status-callback.field';
import { PriorityField, Priority } from '../../lanes/priority';
import { ExpiresAtField, QuietHoursDto, QuietHoursField, SmartEncodingField, ValidForField } from '../../send-timing/timing-fields';

const usesTemplate = (dto: { templateId?: string; templateName?: string }) =>
  dto.templateId !== undefined || dto.templateName !== undefined;

export class SendMessageDto {
  @ApiProperty({
    example: '+5511987654321',
    description: 'Recipient. E.164, or a national number read in DEFAULT_COUNTRY (e.g. 11987654321 → +5511987654321)',
  })
  @IsString() @Length(3, 32)
  to!: string;

  @ApiPropertyOptional({ example: 'Your code is 123456', minLength: 1, maxLength: 1600, description: 'The text; or use a template' })
  @ValidateIf((dto: SendMessageDto) => !usesTemplate(dto))
  @IsString() @Length(1, 1600)
  body?: string;

  @ApiPropertyOptional({ description: 'Template to render instead of body (by id)' })
  @IsOmittable() @IsMongoId()
  templateId?: string;

  @ApiPropertyOptional({ example: 'order-shipped', description: 'Template to render instead of body (by name)' })
  @IsOmittable() @IsString() @Length(1, 64)
  templateName?: string;

  @ApiPropertyOptional({ example: { name: 'Ana', code: 123456 }, description: "The template's {{variables}}" })
  @IsOmittable() @IsTemplateVariables()
  variables?: Record<string, string | number>;

  @ApiPropertyOptional({ example: '+15005550006', description: 'Sender; defaults to TWILIO_PHONE_NUMBER / the messaging service' })
  @IsOmittable() @IsString() @Length(3, 32)
  from?: string;

  @ApiPropertyOptional({ description: 'Send at this time (1 minute to 35 days ahead); the message is `scheduled` until then', example: '2026-12-01T12:00:00Z' })
  @IsOmittable() @Type(() => Date) @IsDate({ message: 'sendAt must be an ISO 8601 date-time' })
  sendAt?: Date;

  @ValidForField()
  validFor?: number;

  @ExpiresAtField()
  expiresAt?: Date;

  @SmartEncodingField()
  smartEncoding?: boolean;

  @PriorityField('normal')
  priority?: Priority;

  @QuietHoursField()
  quietHours?: QuietHoursDto | false;

  @ApiPropertyOptional({
    example: { orderId: '42' },
    description: 'Up to 20 string values kept with the message; keys may not start with $ or contain "."',
  })
  @IsOmittable() @IsObject() @IsSafeMetadata()
  metadata?: Record<string, string>;

  @StatusCallbackField()
  statusCallback?: string;
}

export class TestSmsDto {
  @ApiProperty({ example: '11987654321', description: 'Phone to send the fixed test text to' })
  @IsString() @Length(3, 32)
  phone!: string;
}

