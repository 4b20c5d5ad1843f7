import { ApiProperty } from '@nestjs/swagger';
import { OPT_OUT_SOURCES, OptOutSource } from '../opt-out.schema';
import { RequestContext, visibleProject } from '../../common/request-context';
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

/**
 * An entry another project (or root) listed by hand keeps its reason and author to itself: a
 * project's key sees that the number is blocked, when and how, not the other team's words.
 */
export function toOptOutView(record: OptOutRecord, viewer: Pick<RequestContext, 'projectId'>): OptOutViewDto {
  const { phone, reason, source, createdBy, createdAt } = record;
  const othersWords = source === 'manual' && visibleProject(viewer) !== undefined && record.projectId !== viewer.projectId;
  return othersWords
    ? { phone, reason: 'listed by hand outside this project', source, createdBy: 'another project', createdAt }
    : { phone, reason, source, createdBy, createdAt };
}
