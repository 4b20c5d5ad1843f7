import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiAcceptedResponse, ApiBadRequestResponse, ApiConflictResponse, ApiHeader, ApiServiceUnavailableResponse, ApiUnprocessableEntityResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity,
  ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { IdempotencyKey } from '../idempotency/idempotency-key.decorator';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { ParseObjectIdPipe } from '../common/object-id.pipe';
import { ListMessagesQuery } from './dto/list-messages.query';
import {
  AcceptedMessageDto, MessagePageDto, MessageViewDto, toAccepted, toMessageView,
} from './dto/message-view.dto';
import { SendMessageDto, TestSmsDto } from './dto/send-message.dto';
import { MessagesService, TEST_SMS_BODY } from './messages.service';
import { BulkService } from '../bulk/bulk.service';
import { BulkAcceptedDto, BulkSendDto } from '../bulk/dto/bulk.dto';

@ApiTags('messages')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@Controller('v1/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly idempotency: IdempotencyService,
    private readonly bulkSends: BulkService,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Accept an SMS for delivery', description: 'Stores it and queues it; delivery is asynchronous.' })
  @ApiAcceptedResponse({ type: AcceptedMessageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid phone number, body or unknown fields' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat a request safely: the same key and body return the first answer (header Idempotency-Replay: true) and send once; kept 24 h. After a 503 `outcome_unknown` the repeat tells whether the message was accepted' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Idempotency-Key reused with another body' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The first request with this Idempotency-Key is still running' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: '`database_unavailable`: nothing that will be sent was stored. `outcome_unknown`: the store lost its reply to the message\'s insert, so it may have been accepted; repeat with the Idempotency-Key to learn which' })
  async send(
    @Body() dto: SendMessageDto,
    @CurrentRequest() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<AcceptedMessageDto> {
    if (idempotencyKey === undefined) return toAccepted(await this.messages.accept(dto, context));
    const { value, replay } = await this.idempotency.run(context.actor, idempotencyKey, dto, {
      reserve: () => this.messages.newId(),
      perform: async (id, repeat) => toAccepted(await this.messages.accept(dto, context, { id, repeat })),
      recover: async (id) => {
        const stored = await this.messages.recover(id);
        return stored && toAccepted(stored);
      },
    });
    if (replay) response.setHeader('Idempotency-Replay', 'true');
    return value;
  }

  @Post('test-sms')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Send a fixed test text to a phone', description: `Body: "${TEST_SMS_BODY}"` })
  @ApiAcceptedResponse({ type: AcceptedMessageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async testSms(@Body() dto: TestSmsDto, @CurrentRequest() context: RequestContext): Promise<AcceptedMessageDto> {
    return toAccepted(await this.messages.accept({ to: dto.phone, body: TEST_SMS_BODY }, context));
  }

  @Post('bulk')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Accept up to 10,000 recipients in one call', description: 'Each recipient is checked on its own: bad ones are listed in `rejected` with their index, the rest are accepted. Accepted recipients are stored before the answer and written out as messages right after it (until then the batch counts them as queued). Follow the batch at GET /v1/batches/{batchId}.' })
  @ApiAcceptedResponse({ type: BulkAcceptedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async bulk(@Body() dto: BulkSendDto, @CurrentRequest() context: RequestContext): Promise<BulkAcceptedDto> {
    return this.bulkSends.accept(dto, context);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a message that has not been sent yet (scheduled or queued)' })
  @ApiOkResponse({ type: MessageViewDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: "No such message in the caller's project" })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already sent (or otherwise past cancelling)' })
  async cancel(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<MessageViewDto> {
    return toMessageView(await this.messages.cancel(id, context));
  }

  @Get()
  @ApiOperation({ summary: 'List messages, newest first, cursor-paginated', description: "A project's key lists its project's messages; a root key every project's." })
  @ApiOkResponse({ type: MessagePageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListMessagesQuery, @CurrentRequest() context: RequestContext): Promise<MessagePageDto> {
    const items = await this.messages.list({ status: query.status, to: query.to, before: query.cursor, limit: query.limit }, context);
    const nextCursor = items.length === query.limit ? items[items.length - 1].id : null;
    return { items: items.map(toMessageView), nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A message with its status history', description: "Another project's message answers 404." })
  @ApiOkResponse({ type: MessageViewDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed id' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@Param('id', ParseObjectIdPipe) id: string, @CurrentRequest() context: RequestContext): Promise<MessageViewDto> {
    return toMessageView(await this.messages.get(id, context));
  }
}
