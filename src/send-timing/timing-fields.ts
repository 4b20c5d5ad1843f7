import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDate, IsInt, IsObject, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { CLOCK_TIME } from './quiet-hours';
import { IsOmittable } from '../common/omittable';
import { MAX_VALID_FOR_S } from './expiry';

/**
 * The send-timing fields, declared once for every way in (single sends, bulk, producer commands,
 * templates), so their validation and Swagger text cannot drift apart.
 */
export const ValidForField = (counted = 'from when the message is due (its sendAt, or now)') => applyDecorators(
  ApiPropertyOptional({
    example: 300, minimum: 1, maximum: MAX_VALID_FOR_S,
    description: `Seconds the message stays worth sending, counted ${counted}; not handed to Twilio by then, it ends \`expired\`. What is left goes to Twilio as ValidityPeriod. Not with expiresAt`,
  }),
  IsOmittable(), IsInt({ message: 'validFor must be a whole number of seconds' }),
  Min(1, { message: 'validFor must be at least 1 second' }), Max(MAX_VALID_FOR_S, { message: `validFor must be at most ${MAX_VALID_FOR_S} seconds (7 days)` }),
);

export const ExpiresAtField = () => applyDecorators(
  ApiPropertyOptional({
    example: '2026-12-01T12:05:00Z',
    description: 'Not handed to Twilio by this time, the message ends `expired` and is never sent late. In the future, after sendAt, at most 42 days ahead. Not with validFor',
  }),
  IsOmittable(), Type(() => Date), IsDate({ message: 'expiresAt must be an ISO 8601 date-time' }),
);

export const SmartEncodingField = (fallback = "the template's choice, then SMART_ENCODING") => applyDecorators(
  ApiPropertyOptional({
    example: true,
    description: `Replace Unicode look-alikes (curly quotes, long dashes, non-breaking spaces, ellipsis…) with their GSM-7 equivalents before segments are counted and the text is sent, as Twilio's Smart Encoding does; characters without one are never changed. Unset: ${fallback}`,
  }),
  IsOmittable(), IsBoolean({ message: 'smartEncoding must be true or false' }),
);

/** `{start, end}` in the recipient's local time; `false` turns off a template's or the default's window for this send. */
export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'HH:MM, 24-hour clock, recipient\'s local time' })
  @Matches(CLOCK_TIME, { message: 'quietHours.start must be HH:MM (24-hour clock)' })
  start!: string;

  @ApiProperty({ example: '08:00', description: 'HH:MM; before start means the window spans midnight' })
  @Matches(CLOCK_TIME, { message: 'quietHours.end must be HH:MM (24-hour clock)' })
  end!: string;
}

const QUIET_HOURS_TEXT = 'No message goes out inside this daily window in the recipient\'s local time (zone from the number; a number in several zones: the window counts in all of them, the longest). One that would is scheduled to the window\'s end, and the answer shows that sendAt. false: none for this send';

export const QuietHoursField = (fallback = "the template's, then QUIET_HOURS_DEFAULT") => applyDecorators(
  ApiPropertyOptional({ oneOf: [{ $ref: getSchemaPath(QuietHoursDto) }, { type: 'boolean', enum: [false] }], example: { start: '21:00', end: '08:00' }, description: `${QUIET_HOURS_TEXT}. Unset: ${fallback}` }),
  IsOmittable(),
  ValidateIf((_object: object, value: unknown) => value !== false),
  IsObject({ message: 'quietHours must be {start, end} or false' }), ValidateNested(), Type(() => QuietHoursDto),
);
