import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TemplateDetails } from '../templates.service';
import { CursorPageQuery } from '../../common/cursor-page.query';

export class TemplateViewDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718' }) id!: string;
  @ApiProperty({ example: 'order.shipped' }) name!: string;
  @ApiProperty({ example: 'Hi {{firstName}}, order {{orderId}} is on its way.' }) body!: string;
  @ApiPropertyOptional({ example: 'pt-BR' }) locale?: string;
  @ApiProperty({ example: ['firstName', 'orderId'], description: 'Variables the body uses' }) variables!: string[];
  @ApiPropertyOptional({ example: 300, description: 'Default expiry (seconds) of messages sent with it' }) validFor?: number;
  @ApiPropertyOptional({ example: true, description: 'Default smart encoding of messages sent with it' }) smartEncoding?: boolean;
  @ApiPropertyOptional({ example: { start: '21:00', end: '08:00' }, description: 'Default quiet hours of messages sent with it' }) quietHours?: { start: string; end: string };
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class TemplatePageDto {
  @ApiProperty({ type: [TemplateViewDto] }) items!: TemplateViewDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page' }) nextCursor!: string | null;
}

export class ListTemplatesQuery extends CursorPageQuery({ defaultLimit: 20, maxLimit: 100 }) {
}

export function toTemplateView(template: TemplateDetails): TemplateViewDto {
  const { id, name, body, locale, variables, validFor, smartEncoding, quietHours, createdAt, updatedAt } = template;
  const defaults = { ...(validFor === undefined ? {} : { validFor }), ...(smartEncoding === undefined ? {} : { smartEncoding }), ...(quietHours ? { quietHours: { start: quietHours.start, end: quietHours.end } } : {}) };
  return { id, name, body, ...(locale ? { locale } : {}), variables, ...defaults, createdAt, updatedAt };
}
