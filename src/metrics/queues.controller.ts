import { Controller, Get } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequireScopes, RootProjectOnly } from '../auth/require-scopes.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { QueueSnapshotDto } from './dto/queue-snapshot.dto';
import { QueueInspector } from './queue-inspector';

@ApiTags('metrics')
@ApiSecurity('api-key')
@RequireScopes('messages:read')
// Queue depths are every project's traffic together: the operator's, not a project's.
@RootProjectOnly()
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The key lacks the messages:read scope, or is not a root project key (`root_project_only`)' })
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly inspector: QueueInspector) {}

  @Get()
  @ApiOperation({ summary: 'Depth and consumers of the SMS queue, its retry queues and its dead-letter queue' })
  @ApiOkResponse({ type: QueueSnapshotDto })
  list(): Promise<QueueSnapshotDto> {
    return this.inspector.snapshot();
  }
}
