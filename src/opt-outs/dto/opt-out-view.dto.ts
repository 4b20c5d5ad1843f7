import { ApiProperty } from '@nestjs/swagger';
import { OPT_OUT_SOURCES, OptOutSource } from '../opt-out.schema';
import { OptOutRecord } from '../opt-outs.repository';

export class OptOutViewDto {
  @ApiProperty({ example: '+5511987654321' }) phone!: string;
  @ApiProperty({ example: 'texted "STOP"' }) reason!: string;
  @ApiProperty({ enum: OPT_OUT_SOURCES, example: 'keyword' }) source!: OptOutSource;
  @ApiProperty({ example: 'apikey:3f9a1c2b', description: 'Who added it: an API key fingerprint, twilio or worker' }) createdBy!: string;
  @ApiProperty() createdAt!: Date;
}

export class OptOutPageDto {
  @ApiProperty({ type: [OptOutViewDto] }) items!: OptOutViewDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor to get the next page' }) nextCursor!: string | null;
}

export function toOptOutView(record: OptOutRecord): OptOutViewDto {
  const { phone, reason, source, createdBy, createdAt } = record;
  return { phone, reason, source, createdBy, createdAt };
}
