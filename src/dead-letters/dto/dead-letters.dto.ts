import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { CursorPageQuery } from '../../common/cursor-page.query';

export class ListDeadLettersQuery extends CursorPageQuery({ defaultLimit: 50, maxLimit: 200 }) {
  @ApiPropertyOptional({ description: 'true: only replayed ones; false: only those still parked' })
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean()
  replayed?: boolean;

}

export class DeadLetterDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'notifyx.sms.dead' }) queue!: string;
  @ApiProperty({ example: 'gave up after 5 attempts: 20429 Too Many Requests' }) reason!: string;
  @ApiProperty({ description: 'The command as it arrived' }) content!: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiPropertyOptional({ description: 'Its project; absent: the root project' }) projectId?: string;
  @ApiPropertyOptional() replayedAt?: Date;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterDto] }) items!: DeadLetterDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
