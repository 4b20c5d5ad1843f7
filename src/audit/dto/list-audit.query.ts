import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';
import { AUDIT_ACTIONS, AuditAction } from '../audit-actions';

export class ListAuditQuery {
  @ApiPropertyOptional({ description: 'Only entries about this message' })
  @IsOptional() @IsMongoId()
  messageId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional() @IsEnum(AuditAction, { message: `action must be one of: ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional() @IsMongoId()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit: number = 50;
}
