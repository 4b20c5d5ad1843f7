import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import {
  CreateWebhookEndpointDto, ListDeliveriesQuery, ReplayDto, ReplayResultDto, RollSecretDto, toEndpointView, UpdateWebhookEndpointDto,
  WebhookDeliveryPageDto, WebhookEndpointViewDto, WebhookEndpointWithSecretDto,
} from './dto/webhook-endpoint.dto';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookReplay } from './webhook-replay';

@ApiTags('webhook endpoints')
@ApiSecurity('api-key')
@RequireScopes('admin')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key lacks the admin scope' })
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly repository: WebhookEndpointsRepository,
    private readonly replays: WebhookReplay,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Add an endpoint that receives signed message events', description: 'The signing secret is in this answer only.' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A field is invalid, or the URL is refused (unsafe_webhook_url: not https, a private address…)' })
  async create(@Body() dto: CreateWebhookEndpointDto, @CurrentRequest() context: RequestContext): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.endpoints.create(dto, context);
    return { ...toEndpointView(endpoint), secret };
  }

  @Get()
  @ApiOperation({ summary: 'The caller\'s project\'s endpoints (a root key: every project\'s), newest first' })
  @ApiOkResponse({ type: [WebhookEndpointViewDto] })
  async list(@CurrentRequest() context: RequestContext): Promise<WebhookEndpointViewDto[]> {
    return (await this.endpoints.list(context)).map(toEndpointView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An endpoint (its secret is never shown again)' })
  @ApiOkResponse({ type: WebhookEndpointViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found: no such endpoint, or another project\'s (as for every route with an id)' })
  async get(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<WebhookEndpointViewDto> {
    return toEndpointView(await this.endpoints.get(id, context));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an endpoint; `enabled: true` turns a disabled one back on' })
  @ApiOkResponse({ type: WebhookEndpointViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found' })
  async update(
    @Param('id', ParseObjectIdPipe) id: string, @Body() dto: UpdateWebhookEndpointDto, @CurrentRequest() context: RequestContext,
  ): Promise<WebhookEndpointViewDto> {
    return toEndpointView(await this.endpoints.update(id, dto, context));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove an endpoint; events waiting for a retry to it are dropped' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found' })
  async delete(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<void> {
    await this.endpoints.delete(id, context);
  }

  @Post(':id/roll-secret')
  @ApiOperation({ summary: 'A new signing secret (shown once); the old one keeps signing beside it for `overlapHours`' })
  @ApiCreatedResponse({ type: WebhookEndpointWithSecretDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found' })
  async roll(
    @Param('id', ParseObjectIdPipe) id: string, @Body() dto: RollSecretDto, @CurrentRequest() context: RequestContext,
  ): Promise<WebhookEndpointWithSecretDto> {
    const { endpoint, secret } = await this.endpoints.rollSecret(id, context, dto.overlapHours);
    return { ...toEndpointView(endpoint), secret };
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Every delivery attempt to the endpoint, newest first: time, status code, latency, error' })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found' })
  async deliveries(
    @Param('id', ParseObjectIdPipe) id: string, @Query() query: ListDeliveriesQuery, @CurrentRequest() context: RequestContext,
  ): Promise<WebhookDeliveryPageDto> {
    await this.endpoints.get(id, context);
    const items = (await this.repository.listDeliveries(id, query.cursor, query.limit)).map(({ endpointId: _e, url: _u, projectId: _p, ...item }) => item);
    return { items, nextCursor: items.length === query.limit ? items[items.length - 1].id : null };
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Send one event, or every event of a time range, to the endpoint again (same event ids)' })
  @ApiOkResponse({ type: ReplayResultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Neither eventId nor from and to' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'webhook_endpoint_not_found, event_not_found' })
  replay(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: ReplayDto, @CurrentRequest() context: RequestContext): Promise<ReplayResultDto> {
    return this.replays.replay(id, dto, context);
  }
}
