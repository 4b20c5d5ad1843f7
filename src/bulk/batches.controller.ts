import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { NotFoundError } from '../common/domain-error';
import { canSee } from '../common/request-context';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { BatchesRepository } from './batches.repository';
import { BatchProgressDto } from './dto/bulk.dto';
import { isFinal, MessageStatus } from '../lifecycle/message-status';

@ApiTags('messages')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@RequireScopes('messages:read')
@Controller('v1/batches')
export class BatchesController {
  constructor(private readonly batches: BatchesRepository) {}

  @Get(':id')
  @ApiOperation({ summary: "A bulk send's progress: counts by status, percent done, segments sent", description: "Another project's batch answers 404." })
  @ApiOkResponse({ type: BatchProgressDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<BatchProgressDto> {
    const batch = await this.batches.findById(id);
    if (!batch || !canSee(context, batch)) throw new NotFoundError('Batch', id);
    const { counts, segmentsSent } = await this.batches.progress(id);
    // Accepted messages not written out yet (the first seconds of a large batch) are waiting to go.
    const written = Object.values(counts).reduce((sum, n) => sum + n, 0);
    if (written < batch.accepted) {
      const waiting = batch.sendAt ? MessageStatus.Scheduled : MessageStatus.Queued;
      counts[waiting] = (counts[waiting] ?? 0) + batch.accepted - written;
    }
    const done = Object.entries(counts).filter(([status]) => isFinal(status as MessageStatus)).reduce((sum, [, n]) => sum + n, 0);
    const percentDone = batch.accepted === 0 ? 100 : Math.round((done / batch.accepted) * 1000) / 10;
    return {
      id, total: batch.total, accepted: batch.accepted, rejected: batch.rejected.length, counts, percentDone, segmentsSent,
      sendAt: batch.sendAt, createdAt: batch.createdAt,
    };
  }
}
