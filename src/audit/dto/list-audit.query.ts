import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsMongoId, IsOptional } from 'class-validator';
import { AUDIT_ACTIONS, AuditAction } from '../audit-actions';
import { CursorPageQuery } from '../../common/cursor-page.query';

export class ListAuditQuery extends CursorPageQuery({ defaultLimit: 50, maxLimit: 200 }) {
  @ApiPropertyOptional({ description: 'Only entries about this message' })
  @IsOptional() @IsMongoId()
  messageId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional() @IsEnum(AuditAction, { message: `action must be one of: ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

}
