import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { CursorPageQuery } from '../../common/cursor-page.query';

export class ListOptOutsQuery extends CursorPageQuery({ defaultLimit: 20, maxLimit: 100 }) {
  @ApiPropertyOptional({ description: 'Only this number (in any form POST accepts): zero or one entry' })
  @IsOptional() @IsString() @Length(3, 32)
  phone?: string;

}
