import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { SCOPES, Scope } from '../../auth/scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing-service', description: 'Who or what will use the key; shown in listings' })
  @IsString() @Length(1, 100) @Matches(/\S/, { message: 'name must not be blank' })
  readonly name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['messages:send', 'messages:read'] })
  @IsArray() @ArrayNotEmpty() @ArrayUnique() @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true, message: `each value in scopes must be one of: ${SCOPES.join(', ')}` })
  readonly scopes!: Scope[];
}
