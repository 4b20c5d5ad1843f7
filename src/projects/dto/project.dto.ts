import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';
import { IsOmittable } from '../../common/omittable';
import { isSupportedCountry } from 'libphonenumber-js';
import type { ProjectRecord } from '../projects.repository';

/** Codes libphonenumber-js knows (as ALLOWED_COUNTRIES is checked), or `*`. */
const IsCountryList = () => ValidateBy({
  name: 'isCountryList',
  validator: {
    validate: (value: unknown) => Array.isArray(value) && value.every((code) => code === '*' || (typeof code === 'string' && /^[A-Z]{2}$/.test(code) && isSupportedCountry(code))),
    defaultMessage: () => 'each value in allowedCountries must be a supported ISO 3166-1 alpha-2 code such as BR, or *',
  },
});

const upper = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((code) => (typeof code === 'string' ? code.toUpperCase() : code)) : value);

export class CreateProjectDto {
  @ApiProperty({ example: 'billing', description: 'Unique; shown in listings' })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'name must not be blank' })
  readonly name!: string;

  @ApiPropertyOptional({ example: 50000, description: 'SMS segments per UTC day for this project; 0 = no cap. Unset: DAILY_SEGMENT_CAP' })
  @IsOmittable() @IsInt() @Min(0) @Max(1_000_000_000)
  readonly dailySegmentCap?: number;

  @ApiPropertyOptional({ example: ['BR', 'PT'], description: 'Destination countries (ISO 3166-1 alpha-2), or ["*"]. Unset: ALLOWED_COUNTRIES' })
  @IsOmittable() @Transform(upper) @IsArray() @ArrayNotEmpty() @ArrayUnique() @ArrayMaxSize(300)
  @IsCountryList()
  readonly allowedCountries?: string[];

  @ApiPropertyOptional({ example: 5, description: 'Messages to one number per clock hour, counted within the project; 0 = no limit. Unset: RECIPIENT_HOURLY_LIMIT' })
  @IsOmittable() @IsInt() @Min(0) @Max(1_000_000)
  readonly recipientHourlyLimit?: number;

  @ApiPropertyOptional({ example: 600, description: 'API requests per key per THROTTLE_TTL_MS. Unset: THROTTLE_LIMIT' })
  @IsOmittable() @IsInt() @Min(1) @Max(1_000_000)
  readonly requestLimit?: number;

  @ApiPropertyOptional({ example: 50, description: 'API requests per key per THROTTLE_BURST_TTL_MS. Unset: THROTTLE_BURST_LIMIT' })
  @IsOmittable() @IsInt() @Min(1) @Max(1_000_000)
  readonly burstLimit?: number;
}

/** PATCH /v1/projects/:id: the limits given change; null gives one back to the global setting. */
export class UpdateProjectDto {
  @ApiPropertyOptional({ type: Number, nullable: true, example: 80000, description: 'null: DAILY_SEGMENT_CAP from now on' })
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000)
  readonly dailySegmentCap?: number | null;

  @ApiPropertyOptional({ type: [String], nullable: true, example: ['BR'], description: 'null: ALLOWED_COUNTRIES from now on' })
  @IsOptional() @Transform(upper) @IsArray() @ArrayNotEmpty() @ArrayUnique() @ArrayMaxSize(300) @IsCountryList()
  readonly allowedCountries?: string[] | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 5, description: 'null: RECIPIENT_HOURLY_LIMIT from now on' })
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000)
  readonly recipientHourlyLimit?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 600, description: 'null: THROTTLE_LIMIT from now on' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  readonly requestLimit?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 50, description: 'null: THROTTLE_BURST_LIMIT from now on' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  readonly burstLimit?: number | null;
}

export class ProjectViewDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718', description: 'Give it to POST /v1/api-keys as projectId, and to producers as the command\'s projectId' })
  id!: string;

  @ApiProperty({ example: 'billing' })
  name!: string;

  @ApiProperty({ type: Number, nullable: true, example: 50000, description: 'null: DAILY_SEGMENT_CAP applies' })
  dailySegmentCap!: number | null;

  @ApiProperty({ type: [String], nullable: true, example: ['BR', 'PT'], description: 'null: ALLOWED_COUNTRIES applies' })
  allowedCountries!: string[] | null;

  @ApiProperty({ type: Number, nullable: true, example: 5, description: 'null: RECIPIENT_HOURLY_LIMIT applies' })
  recipientHourlyLimit!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 600, description: 'null: THROTTLE_LIMIT applies' })
  requestLimit!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 50, description: 'null: THROTTLE_BURST_LIMIT applies' })
  burstLimit!: number | null;

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ example: 'apikey:1a2b3c4d' })
  createdBy!: string;
}

export class ProjectListDto {
  @ApiProperty({ type: [ProjectViewDto] })
  items!: ProjectViewDto[];
}

export function toProjectView(record: ProjectRecord): ProjectViewDto {
  const { id, name, dailySegmentCap, allowedCountries, recipientHourlyLimit, requestLimit, burstLimit, createdAt, createdBy } = record;
  return {
    id, name, dailySegmentCap: dailySegmentCap ?? null, allowedCountries: allowedCountries ?? null, recipientHourlyLimit: recipientHourlyLimit ?? null,
    requestLimit: requestLimit ?? null, burstLimit: burstLimit ?? null, createdAt, createdBy,
  };
}
