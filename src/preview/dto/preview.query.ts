import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/omittable';

export class PreviewQuery {
  /** Bulk previews list this many recipients one by one; totals cover them all. */
  @IsOmittable() @Type(() => Number) @IsInt({ message: 'limit must be a whole number' }) @Min(1) @Max(100)
  limit = 20;
}
