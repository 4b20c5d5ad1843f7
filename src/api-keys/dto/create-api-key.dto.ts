import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../../common/omittable';
import { SCOPES, Scope } from '../../auth/scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing-service', description: 'Who or what will use the key; shown in listings' })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'name must not be blank' })
  readonly name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['messages:send', 'messages:read'] })
  @IsArray() @ArrayNotEmpty() @ArrayUnique() @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true, message: `each value in scopes must be one of: ${SCOPES.join(', ')}` })
  readonly scopes!: Scope[];

  @ApiPropertyOptional({
    example: '6650f1c2a1b2c3d4e5f60718',
    description: "The project the key belongs to: `root` or an id from GET /v1/projects. Left out: the caller's own project. Only root admin keys may name another project",
  })
  @IsOmittable() @IsString() @Matches(/^(root|[0-9a-f]{24})$/, { message: 'projectId must be root or a project id (24 hex characters)' })
  readonly projectId?: string;
}
