import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
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
  @ApiOperation({ summary: 'Query the append-only audit log, newest first' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListAuditQuery): Promise<AuditPageDto> {
    const items = await this.audit.find({ messageId: query.messageId, action: query.action, before: query.cursor, limit: query.limit });
    const nextCursor = items.length === query.limit ? items[items.length - 1].id : null;
    return { items, nextCursor };
  }
}
