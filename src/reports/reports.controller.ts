import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiServiceUnavailableResponse, ApiTags,
  ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { DeliveryReportDto } from './dto/delivery-report.dto';
import { DeliveryReportQuery } from './dto/delivery-report.query';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiSecurity('api-key')
@RequireScopes('messages:read')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key lacks the messages:read scope' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('delivery')
  @ApiOperation({
    summary: 'Delivery report for messages accepted in a time range',
    description: 'Counts by outcome, delivery rate, segments sent, failure reasons with descriptions and the median '
      + 'time from acceptance to delivery, in total and grouped by day, status, error code or country. '
      + "A project's key reports on its project's messages; a root key on every project's.",
  })
  @ApiOkResponse({ type: DeliveryReportDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed date, unknown groupBy, reversed or over-long range' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The report took too long or the store is unreachable' })
  delivery(@Query() query: DeliveryReportQuery, @CurrentRequest() context: RequestContext): Promise<DeliveryReportDto> {
    return this.reports.delivery(query, context);
  }
}
