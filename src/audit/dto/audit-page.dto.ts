import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'apikey:3f9a1c2b' }) actor!: string;
  @ApiProperty({ example: 'message.accepted' }) action!: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: Object }) details?: Record<string, unknown>;
  @ApiPropertyOptional({ description: "A status change: its number in the message's changes (the message is stored as 1)" }) seq?: number;
  @ApiPropertyOptional({ type: Object, description: 'A status change: the status and fields it gave the message' })
  change?: { status: string; set?: Record<string, unknown>; unset?: string[]; detail?: string };
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page' }) nextCursor!: string | null;
}
