import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { visibleProject } from '../common/request-context';
import { AuditService } from './audit.service';
import { ListAuditQuery } from './dto/list-audit.query';
import { AuditPageDto } from './dto/audit-page.dto';

@ApiTags('audit')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Query the append-only audit log, newest first', description: "A project's admin key sees its project's entries; a root admin key sees every project's." })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListAuditQuery, @CurrentRequest() context: RequestContext): Promise<AuditPageDto> {
    const items = await this.audit.find({ projectId: visibleProject(context), messageId: query.messageId, action: query.action, before: query.cursor, limit: query.limit });
    const nextCursor = items.length === query.limit ? items[items.length - 1].id : null;
    return { items, nextCursor };
  }
}
