import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'apikey:3f9a1c2b' }) actor!: string;
  @ApiProperty({ example: 'message.accepted' }) action!: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: Object }) details?: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page' }) nextCursor!: string | null;
}
