import { Controller, Get, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { visibleProject } from '../common/request-context';
import { WebhookReportDto, WebhookReportQuery, WebhookTargetReportDto } from './dto/webhook-report.dto';
import { CALLBACK_TARGET } from './webhook-dispatcher';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

const DAY_MS = 86_400_000;
const rate = (succeeded: number, attempts: number) => (attempts ? Math.round((succeeded / attempts) * 1000) / 1000 : null);
const hostOf = (url: string) => URL.canParse(url) ? new URL(url).host : url;

/**
 * What the dashboard shows of webhooks: failing endpoints and the delivery success rate (messages:read,
 * like the other reports), of the caller's project only (a root key: every project's).
 */
@ApiTags('reports')
@ApiSecurity('api-key')
@RequireScopes('messages:read')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key lacks the messages:read scope' })
@Controller('v1/reports/webhooks')
export class WebhookReportController {
  constructor(private readonly repository: WebhookEndpointsRepository) {}

  @Get()
  @ApiOperation({ summary: 'Webhook delivery attempts and success rate per endpoint of the caller\'s project over a time range (default: the last 24 hours)' })
  @ApiOkResponse({ type: WebhookReportDto })
  async report(@Query() query: WebhookReportQuery, @CurrentRequest() context: RequestContext): Promise<WebhookReportDto> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    const projectId = visibleProject(context);
    const endpoints = await this.repository.all(projectId);
    const targets = [...endpoints, { id: CALLBACK_TARGET, url: 'statusCallback URLs', enabled: true } as const];
    const rows: WebhookTargetReportDto[] = await Promise.all(targets.map(async (target) => {
      const { attempts, succeeded } = await this.repository.deliveryCounts(target.id, from, to, projectId);
      const { disabledReason, failingSince } = target as { disabledReason?: string; failingSince?: Date };
      return { id: target.id, host: hostOf(target.url), enabled: target.enabled, disabledReason, failingSince, attempts, succeeded, successRate: rate(succeeded, attempts) };
    }));
    const shown = rows.filter((row) => row.id !== CALLBACK_TARGET || row.attempts > 0);
    // Disabled first, then failing, then by success rate.
    shown.sort((a, b) => Number(a.enabled) - Number(b.enabled) || Number(Boolean(b.failingSince)) - Number(Boolean(a.failingSince)) || (a.successRate ?? 1) - (b.successRate ?? 1));
    const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
    const succeeded = rows.reduce((sum, row) => sum + row.succeeded, 0);
    return { from, to, attempts, succeeded, successRate: rate(succeeded, attempts), endpoints: shown };
  }
}
