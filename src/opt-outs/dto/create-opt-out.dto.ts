import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateOptOutDto {
  @ApiProperty({ example: '+5511987654321', description: 'E.164, or a national number read in DEFAULT_COUNTRY' })
  @IsString() @Length(3, 32)
  phone!: string;

  @ApiProperty({ example: 'Customer asked by phone to stop all texts', minLength: 1, maxLength: 500 })
  @IsString() @Length(1, 500)
  reason!: string;
}

export class RemoveOptOutQuery {
  @ApiPropertyOptional({ example: 'Customer re-subscribed at the store', maxLength: 500 })
  @IsString() @Length(1, 500)
  reason = 'removed through the API';
}
