import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class ListOptOutsQuery {
  @ApiPropertyOptional({ description: 'Only this number (in any form POST accepts): zero or one entry' })
  @IsOptional() @IsString() @Length(3, 32)
  phone?: string;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional() @IsMongoId({ message: 'cursor must be a nextCursor value from a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;
}
