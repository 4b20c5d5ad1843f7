import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

export class ListDeadLettersQuery {
  @ApiPropertyOptional({ description: 'true: only replayed ones; false: only those still parked' })
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean()
  replayed?: boolean;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional() @IsMongoId()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit: number = 50;
}

export class DeadLetterDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'notifyx.sms.dead' }) queue!: string;
  @ApiProperty({ example: 'gave up after 5 attempts: 20429 Too Many Requests' }) reason!: string;
  @ApiProperty({ description: 'The command as it arrived' }) content!: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiPropertyOptional() replayedAt?: Date;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items!: DeadLetterDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
