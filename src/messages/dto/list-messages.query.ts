import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, IsString, Length } from 'class-validator';
import { MESSAGE_STATUSES, MessageStatus } from '../../lifecycle/message-status';
import { CursorPageQuery } from '../../common/cursor-page.query';

export class ListMessagesQuery extends CursorPageQuery({ defaultLimit: 20, maxLimit: 100 }) {
  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional() @IsEnum(MessageStatus, { message: `status must be one of: ${MESSAGE_STATUSES.join(', ')}` })
  status?: MessageStatus;

  @ApiPropertyOptional({ description: 'Recipient, in any form POST accepts' })
  @IsOptional() @IsString() @Length(3, 32)
  to?: string;

}
