import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsMongoId, IsOptional, Max, Min } from 'class-validator';

/**
 * The paging half of a list query, newest first: `cursor` is the `nextCursor` of the previous
 * page, `limit` how many items a page holds. Lists extend the class this returns and add filters.
 */
export function CursorPageQuery({ defaultLimit, maxLimit }: { defaultLimit: number; maxLimit: number }) {
  class CursorPage {
    @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
    @IsOptional() @IsMongoId({ message: 'cursor must be a nextCursor value from a previous page' })
    cursor?: string;

    @ApiPropertyOptional({ minimum: 1, maximum: maxLimit, default: defaultLimit })
    @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(maxLimit)
    limit: number = defaultLimit;
  }
  return CursorPage;
}
