import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/api-key.guard';
import { ErrorResponseDto } from '../common/error-response.dto';
import { MetricsAuthGuard } from './metrics-auth.guard';
import { MetricsRegistry } from './metrics-registry';

@ApiTags('metrics')
@ApiSecurity('api-key')
@Public()
@UseGuards(MetricsAuthGuard)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this API process',
    description: 'Counters, histograms, queue depth and consumers in the Prometheus text format. Send '
      + '`Authorization: Bearer <METRICS_TOKEN>` (Prometheus: `authorization.credentials_file`) or an admin API key of the root project. '
      + 'Labels never name a project or a message; projects see their own numbers in GET /v1/reports/delivery. '
      + 'Workers serve their own on WORKER_METRICS_PORT.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Neither the bearer token nor an API key' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The API key lacks the admin scope, or belongs to a project other than root' })
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
