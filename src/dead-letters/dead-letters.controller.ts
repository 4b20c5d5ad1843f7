import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { DeadLettersService } from './dead-letters.service';
import { DeadLetterDto, DeadLetterPageDto, ListDeadLettersQuery } from './dto/dead-letters.dto';

const view = ({ headers: _headers, ...letter }: DeadLetterDto & { headers?: unknown }): DeadLetterDto => letter;

@ApiTags('dead-letters')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: 'Commands parked in the dead-letter queue, with the reason, newest first', description: "A project's admin key lists its project's letters (its messages', its producers'); a root admin key all of them." })
  @ApiOkResponse({ type: DeadLetterPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListDeadLettersQuery, @CurrentRequest() context: RequestContext): Promise<DeadLetterPageDto> {
    const items = await this.deadLetters.list({ before: query.cursor, limit: query.limit, replayed: query.replayed }, context);
    return { items: items.map(view), nextCursor: items.length === query.limit ? items[items.length - 1].id : null };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a parked command back to the SMS queue (once its cause is fixed)', description: "Another project's letter answers 404." })
  @ApiOkResponse({ type: DeadLetterDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already replayed, or not an sms.send command' })
  async replay(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<DeadLetterDto> {
    return view(await this.deadLetters.replay(id, context));
  }
}
