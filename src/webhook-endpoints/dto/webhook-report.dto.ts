import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIsoDateOrTime } from '../../common/iso-date';

export class WebhookReportQuery {
  @ApiPropertyOptional({ example: '2026-12-02T00:00:00Z', description: 'Default: 24 hours before `to`' })
  @IsOptional() @IsIsoDateOrTime('from')
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-03T00:00:00Z', description: 'Default: now' })
  @IsOptional() @IsIsoDateOrTime('to')
  to?: string;
}

export class WebhookTargetReportDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718', description: 'An endpoint id, or `callback` for messages\' statusCallback URLs (a project\'s key: its own messages\')' }) id!: string;
  @ApiProperty({ example: 'hooks.example.com', description: 'The URL\'s host only' }) host!: string;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiPropertyOptional() disabledReason?: string;
  @ApiPropertyOptional({ description: 'Since when every delivery has failed' }) failingSince?: Date;
  @ApiProperty({ example: 120 }) attempts!: number;
  @ApiProperty({ example: 118 }) succeeded!: number;
  @ApiProperty({ example: 0.983, nullable: true, type: Number }) successRate!: number | null;
}

export class WebhookReportDto {
  @ApiProperty() from!: Date;
  @ApiProperty() to!: Date;
  @ApiProperty({ example: 240 }) attempts!: number;
  @ApiProperty({ example: 236 }) succeeded!: number;
  @ApiProperty({ example: 0.983, nullable: true, type: Number, description: 'succeeded ÷ attempts' }) successRate!: number | null;
  @ApiProperty({ type: [WebhookTargetReportDto], description: 'Failing and disabled endpoints first' }) endpoints!: WebhookTargetReportDto[];
}
