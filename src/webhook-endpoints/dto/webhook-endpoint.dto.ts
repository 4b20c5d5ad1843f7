import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOmittable } from '../../common/omittable';
import { ArrayMinSize, IsArray, IsBoolean, IsDate, IsIn, IsInt, IsOptional, IsString, MaxLength, Min, Max } from 'class-validator';
import { CursorPageQuery } from '../../common/cursor-page.query';
import { ownerOf } from '../../common/request-context';
import { WEBHOOK_EVENT_TYPES } from '../webhook-event-types';
import type { WebhookEndpointRecord } from '../webhook-endpoint.schema';

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://hooks.example.com/notifyx', description: 'https, on a public address (outside sandbox mode)' })
  @IsOmittable() @IsString() @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['message.delivered', 'message.failed'], description: 'Default: all of them' })
  @IsOmittable() @IsArray() @ArrayMinSize(1) @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: `eventTypes may only hold ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  eventTypes?: string[];

  @ApiPropertyOptional({ example: true, description: 'Enabling a disabled endpoint clears why it was disabled' })
  @IsOmittable() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: 'Order service, production' })
  @IsOmittable() @IsString() @MaxLength(500)
  description?: string;
}

export class CreateWebhookEndpointDto extends UpdateWebhookEndpointDto {
  @ApiProperty({ example: 'https://hooks.example.com/notifyx', description: 'https, on a public address (outside sandbox mode)' })
  @IsString() @MaxLength(2048)
  declare url: string;
}

export class WebhookEndpointViewDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/notifyx' }) url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) eventTypes!: string[];
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiPropertyOptional({ example: 'Order service, production' }) description?: string;
  @ApiPropertyOptional({ description: 'Why NotifyX disabled it', example: 'disabled at 2026-12-06T10:00:00.000Z: every delivery failed since 2026-12-03T10:00:00.000Z' })
  disabledReason?: string;
  @ApiPropertyOptional({ description: 'Since when every delivery has failed' }) failingSince?: Date;
  @ApiProperty({ description: 'The project of the key that made it; it receives that project\'s events only', example: 'root' }) projectId!: string;
  @ApiProperty({ description: 'Secrets signing now: 2 while a rolled one overlaps', example: 1 }) activeSecrets!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointViewDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Shown only in this answer: keep it to verify signatures' })
  secret!: string;
}

export class RollSecretDto {
  @ApiPropertyOptional({ example: 24, default: 24, description: 'Hours the current secret keeps signing beside the new one (0: stops now)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(168)
  overlapHours?: number;
}

export class ReplayDto {
  @ApiPropertyOptional({ example: 'evt_6751f0c2a1b2c3d4e5f60718_4', description: 'One event; or give from and to' })
  @IsOptional() @IsString() @MaxLength(64)
  eventId?: string;

  @ApiPropertyOptional({ example: '2026-12-03T10:00:00Z', description: 'Every event of the endpoint\'s types and project (and every project\'s STOPs) made in [from, to]' })
  @IsOptional() @Type(() => Date) @IsDate()
  from?: Date;

  @ApiPropertyOptional({ example: '2026-12-03T12:00:00Z' })
  @IsOptional() @Type(() => Date) @IsDate()
  to?: Date;
}

export class ReplayResultDto {
  @ApiProperty({ example: 12 }) replayed!: number;
  @ApiProperty({ example: false, description: 'More than 10,000 events in the range: replay the rest in another request' }) truncated!: boolean;
}

export class ListDeliveriesQuery extends CursorPageQuery({ defaultLimit: 50, maxLimit: 200 }) {}

export class WebhookDeliveryViewDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'evt_6751f0c2a1b2c3d4e5f60718_4' }) eventId!: string;
  @ApiProperty({ example: 'message.delivered' }) eventType!: string;
  @ApiPropertyOptional() messageId?: string;
  @ApiProperty({ example: 1 }) attempt!: number;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiPropertyOptional({ example: 200 }) statusCode?: number;
  @ApiProperty({ example: 84 }) latencyMs!: number;
  @ApiPropertyOptional({ example: 'connect ECONNREFUSED' }) error?: string;
  @ApiPropertyOptional({ description: 'The first 256 bytes of the answer' }) responseExcerpt?: string;
  @ApiPropertyOptional({ description: 'When the next attempt is due' }) nextAttemptAt?: Date;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryViewDto] }) items!: WebhookDeliveryViewDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toEndpointView({ secrets, createdBy: _by, ...endpoint }: WebhookEndpointRecord): WebhookEndpointViewDto {
  const now = new Date();
  return { ...endpoint, projectId: ownerOf(endpoint), activeSecrets: secrets.filter((entry) => !entry.expiresAt || entry.expiresAt > now).length };
}
