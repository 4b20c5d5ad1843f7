import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation,
  ApiSecurity, ApiTags, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { RequireScopes, RootProjectOnly } from '../auth/require-scopes.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { CreateProjectDto, ProjectListDto, ProjectViewDto, toProjectView, UpdateProjectDto } from './dto/project.dto';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Not an admin key of the root project (`insufficient_scope`, `root_project_only`)' })
@RequireScopes('admin')
@RootProjectOnly()
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a project',
    description: 'A team with keys, messages, templates, batches, dead letters, audit entries and reports of its own. Create its keys with POST /v1/api-keys {projectId}. Limits left out fall back to the global settings.',
  })
  @ApiCreatedResponse({ type: ProjectViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: '`project_name_taken`' })
  async create(@Body() dto: CreateProjectDto, @CurrentRequest() context: RequestContext): Promise<ProjectViewDto> {
    return toProjectView(await this.projects.create(dto, context));
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a project's limits", description: 'Only the limits given change; null gives one back to the global setting. Every API instance applies it within 2 s.' })
  @ApiOkResponse({ type: ProjectViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async update(@Param('id', ParseObjectIdPipe) id: string, @Body() dto: UpdateProjectDto, @CurrentRequest() context: RequestContext): Promise<ProjectViewDto> {
    return toProjectView(await this.projects.update(id, dto, context));
  }

  @Get()
  @ApiOperation({ summary: 'List projects, newest first', description: 'The root project (id `root`, the keys of API_KEYS) is not stored and not listed.' })
  @ApiOkResponse({ type: ProjectListDto })
  async list(): Promise<ProjectListDto> {
    return { items: (await this.projects.list()).map(toProjectView) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A project and its limits' })
  @ApiOkResponse({ type: ProjectViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@Param('id', ParseObjectIdPipe) id: string): Promise<ProjectViewDto> {
    return toProjectView(await this.projects.get(id));
  }
}
