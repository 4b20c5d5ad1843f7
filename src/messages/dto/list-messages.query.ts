import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsMongoId, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { MESSAGE_STATUSES, MessageStatus } from '../message-status';

export class ListMessagesQuery {
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional() @IsEnum(MessageStatus, { message: `status must be one of: ${MESSAGE_STATUSES.join(', ')}` })
  status?: MessageStatus;

  @ApiPropertyOptional({ description: 'Recipient, in any form POST accepts' })
  @IsOptional() @IsString() @Length(3, 32)
  to?: string;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional() @IsMongoId({ message: 'cursor must be a nextCursor value from a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;
}
