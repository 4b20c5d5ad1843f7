import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { IsOmittable } from '../../common/omittable';
import { QuietHoursDto, SmartEncodingField, ValidForField } from '../../send-timing/timing-fields';
import { IsBoolean, IsInt, IsObject, Max, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { MAX_VALID_FOR_S } from '../../send-timing/expiry';

/** Lower-case letters, digits and . _ - (not first), 1-64 characters: safe in URLs, logs and producers' code. */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const NAME_MESSAGE = 'name must be 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit';
const BODY_DESCRIPTION = 'Handlebars: {{name}}, {{#if name}}…{{else}}…{{/if}}, {{#unless name}}…{{/unless}}. Inserted values are not escaped.';

function isBcp47(value: unknown): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(value) || value.length > 35) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** A BCP 47 language tag such as pt-BR or en (any case; stored canonical). */
function IsBcp47Locale(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBcp47Locale',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a BCP 47 language tag such as pt-BR or en`, ...options },
      validator: { validate: isBcp47 },
    });
}

export class CreateTemplateDto {
  @ApiProperty({ example: 'order.shipped', pattern: TEMPLATE_NAME.source })
  @IsString() @Matches(TEMPLATE_NAME, { message: NAME_MESSAGE })
  name!: string;

  @ApiProperty({ example: 'Hi {{firstName}}, order {{orderId}} is on its way.', maxLength: 1600, description: BODY_DESCRIPTION })
  @IsString() @Length(1, 1600)
  body!: string;

  @ApiPropertyOptional({ example: 'pt-BR', description: 'BCP 47 language tag' })
  @IsOmittable() @IsBcp47Locale()
  locale?: string;

  @ValidForField('from when each message sent with it is due; a send\'s own validFor or expiresAt wins')
  validFor?: number;

  @SmartEncodingField('SMART_ENCODING; a send\'s own smartEncoding wins')
  smartEncoding?: boolean;

  @ApiPropertyOptional({ type: QuietHoursDto, description: 'Default quiet hours of messages sent with it, in each recipient\'s local time; a send\'s own quietHours (or false) wins' })
  @IsOmittable() @IsObject({ message: 'quietHours must be {start, end}' }) @ValidateNested() @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto;
}

export class UpdateTemplateDto {
  @ApiPropertyOptional({ example: 'order.shipped', pattern: TEMPLATE_NAME.source })
  @ValidateIf((dto: UpdateTemplateDto) => dto.name !== undefined)
  @IsString() @Matches(TEMPLATE_NAME, { message: NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ example: 'Hi {{firstName}}, order {{orderId}} is on its way.', maxLength: 1600, description: BODY_DESCRIPTION })
  @ValidateIf((dto: UpdateTemplateDto) => dto.body !== undefined)
  @IsString() @Length(1, 1600)
  body?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'pt-BR', description: 'BCP 47 language tag; null removes it' })
  @IsOptional() @IsBcp47Locale()
  locale?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 300, description: 'Default expiry in seconds of messages sent with it; null removes it' })
  @IsOptional() @IsInt({ message: 'validFor must be a whole number of seconds' }) @Min(1, { message: 'validFor must be at least 1 second' })
  @Max(MAX_VALID_FOR_S, { message: `validFor must be at most ${MAX_VALID_FOR_S} seconds (7 days)` })
  validFor?: number | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, example: true, description: 'Default smart encoding of messages sent with it; null removes it' })
  @IsOptional() @IsBoolean({ message: 'smartEncoding must be true or false' })
  smartEncoding?: boolean | null;

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true, description: 'Default quiet hours of messages sent with it; null removes them' })
  @IsOptional() @IsObject({ message: 'quietHours must be {start, end} or null' }) @ValidateNested() @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;
}
