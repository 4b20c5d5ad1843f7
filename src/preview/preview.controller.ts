import { Body, Controller, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags, ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse, getSchemaPath,
} from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { validatePayload } from '../common/validation';
import { BulkSendDto } from '../bulk/dto/bulk.dto';
import { SendMessageDto } from '../messages/dto/send-message.dto';
import { BulkPreviewDto, MessagePreviewDto } from './dto/preview.dto';
import { PreviewQuery } from './dto/preview.query';
import { PreviewService } from './preview.service';
import { QuietHoursDto } from '../send-timing/timing-fields';

@ApiTags('messages')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@ApiExtraModels(SendMessageDto, BulkSendDto, MessagePreviewDto, BulkPreviewDto, QuietHoursDto)
@Controller('v1/messages/preview')
export class PreviewController {
  constructor(private readonly preview: PreviewService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'What a send would do, without doing it',
    description: 'Takes what POST /v1/messages takes, or what POST /v1/messages/bulk takes (with `recipients`), and answers what would happen: the text as sent, E.164, country and number type, the send policy\'s destination verdict, encoding and segments (before/after smart encoding), sendAt and expiresAt. Writes nothing, sends nothing, counts against no limit but the API rate limit. Needs the messages:send scope.',
  })
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(SendMessageDto) }, { $ref: getSchemaPath(BulkSendDto) }] } })
  @ApiQuery({ name: 'limit', required: false, description: 'Bulk: per-recipient results for the first N accepted recipients (1-100, default 20)' })
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(MessagePreviewDto) }, { $ref: getSchemaPath(BulkPreviewDto) }] } })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'What the send itself would answer with 400' })
  async run(@Body() body: object, @Query() query: PreviewQuery, @CurrentRequest() context: RequestContext): Promise<MessagePreviewDto | BulkPreviewDto> {
    // One route for both shapes: `recipients` says which, then the shape's own DTO validates it as the send would.
    if (typeof body === 'object' && body !== null && 'recipients' in body) {
      return this.preview.many(await validatePayload(BulkSendDto, body), context, query.limit);
    }
    return this.preview.one(await validatePayload(SendMessageDto, body), context);
  }
}
