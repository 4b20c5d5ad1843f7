import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, Scope } from '../../auth/scopes';
import { ownerOf } from '../../common/request-context';
import type { ApiKeyRecord } from '../api-keys.repository';

/** What listings show: never the key, never its hash. */
export class ApiKeyViewDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718', description: 'Audit entries name this key `apikey:<id>`' })
  id!: string;

  @ApiProperty({ example: 'billing-service' })
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes!: Scope[];

  @ApiProperty()
  createdAt!: Date;

  @ApiProperty({ example: 'apikey:1a2b3c4d' })
  createdBy!: string;

  @ApiProperty({ example: 'root', description: '`root` (the keys of API_KEYS see every project) or a project id' })
  projectId!: string;

  @ApiProperty({ type: Date, nullable: true, description: 'Set when the key was revoked; it is refused from then on' })
  revokedAt!: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyViewDto {
  @ApiProperty({ example: 'nx_3q2-7wEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE', description: 'Shown only in this answer: store it now' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyViewDto] })
  items!: ApiKeyViewDto[];
}

export function toApiKeyView(record: ApiKeyRecord): ApiKeyViewDto {
  const { id, name, scopes, createdAt, createdBy, revokedAt } = record;
  return { id, name, scopes, projectId: ownerOf(record), createdAt, createdBy, revokedAt: revokedAt ?? null };
}
