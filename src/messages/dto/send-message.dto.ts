import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';
import { IsSafeMetadata } from '../../common/safe-metadata.validator';

export class SendMessageDto {
  @ApiProperty({
    example: '+5511987654321',
    description: 'Recipient. E.164, or a national number read in DEFAULT_COUNTRY (e.g. 11987654321 → +5511987654321)',
  })
  @IsString() @Length(3, 32)
  to!: string;

  @ApiProperty({ example: 'Your code is 123456', minLength: 1, maxLength: 1600 })
  @IsString() @Length(1, 1600)
  body!: string;

  @ApiPropertyOptional({ example: '+15005550006', description: 'Sender; defaults to TWILIO_PHONE_NUMBER / the messaging service' })
  @IsOptional() @IsString() @Length(3, 32)
  from?: string;

  @ApiPropertyOptional({
    example: { orderId: '42' },
    description: 'Up to 20 string values kept with the message; keys may not start with $ or contain "."',
  })
  @IsOptional() @IsObject() @IsSafeMetadata()
  metadata?: Record<string, string>;
}

export class TestSmsDto {
  @ApiProperty({ example: '11987654321', description: 'Phone to send the fixed test text to' })
  @IsString() @Length(3, 32)
  phone!: string;
}

