import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse,
  ApiOperation, ApiSecurity, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { CreateTemplateDto, UpdateTemplateDto } from './dto/template-input.dto';
import { ListTemplatesQuery, TemplatePageDto, TemplateViewDto, toTemplateView } from './dto/template-view.dto';
import { TemplatesService } from './templates.service';

@ApiTags('templates')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a message template', description: 'Send it with POST /v1/messages {templateId | templateName, variables}.' })
  @ApiCreatedResponse({ type: TemplateViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid name or locale, or a body that is not a valid template' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'template_name_taken' })
  async create(@Body() dto: CreateTemplateDto, @CurrentRequest() context: RequestContext): Promise<TemplateViewDto> {
    return toTemplateView(await this.templates.create(dto, context));
  }

  @Get()
  @ApiOperation({ summary: 'List templates, newest first, cursor-paginated' })
  @ApiOkResponse({ type: TemplatePageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListTemplatesQuery, @CurrentRequest() context: RequestContext): Promise<TemplatePageDto> {
    const items = await this.templates.list({ before: query.cursor, limit: query.limit }, context);
    const nextCursor = items.length === query.limit ? items[items.length - 1].id : null;
    return { items: items.map(toTemplateView), nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A template' })
  @ApiOkResponse({ type: TemplateViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'template_not_found' })
  async get(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<TemplateViewDto> {
    return toTemplateView(await this.templates.get(id, context));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a template', description: 'Only the fields given change; messages already accepted keep their text.' })
  @ApiOkResponse({ type: TemplateViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'template_not_found' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'template_name_taken' })
  async update(
    @Param('id', ParseObjectIdPipe) id: string,
    @Body() dto: UpdateTemplateDto,
    @CurrentRequest() context: RequestContext,
  ): Promise<TemplateViewDto> {
    return toTemplateView(await this.templates.update(id, dto, context));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a template', description: 'Messages already accepted keep their text.' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'template_not_found' })
  async remove(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<void> {
    await this.templates.remove(id, context);
  }
}
