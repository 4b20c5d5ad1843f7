import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse,
  ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListDto, CreatedApiKeyDto, toApiKeyView } from './dto/api-key-view.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('api-keys')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, unknown or revoked API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key lacks the admin scope (code insufficient_scope)' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@RequireScopes('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key', description: "The key is in this answer only; it is stored as a SHA-256 hash. It belongs to the caller's project unless a root admin names another (`projectId`)." })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: '`unknown_project`: no such project, or not the caller\'s' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async create(@Body() dto: CreateApiKeyDto, @CurrentRequest() context: RequestContext): Promise<CreatedApiKeyDto> {
    const { record, key } = await this.apiKeys.create(dto, context);
    return { ...toApiKeyView(record), key };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, revoked ones included, newest first', description: "The caller's project's keys; a root admin's: every project's." })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentRequest() context: RequestContext): Promise<ApiKeyListDto> {
    return { items: (await this.apiKeys.list(context)).map(toApiKeyView) };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API key', description: "Takes effect at once; repeating it is harmless. Another project's key answers 404." })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async revoke(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<void> {
    await this.apiKeys.revoke(id, context);
  }
}
