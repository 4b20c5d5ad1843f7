import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation,
  ApiForbiddenResponse, ApiParam, ApiSecurity, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CreateOptOutDto, RemoveOptOutQuery } from './dto/create-opt-out.dto';
import { ListOptOutsQuery } from './dto/list-opt-outs.query';
import { OptOutPageDto, OptOutViewDto, toOptOutView } from './dto/opt-out-view.dto';
import { OptOutsService } from './opt-outs.service';

@ApiTags('opt-outs')
@ApiSecurity('api-key')
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing or unknown API key' })
@ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Rate limit hit; see Retry-After' })
@Controller('v1/opt-outs')
export class OptOutsController {
  constructor(private readonly optOuts: OptOutsService) {}

  @Get()
  @ApiOperation({
    summary: 'List blocked numbers, newest first, cursor-paginated',
    description: 'The list is one for all projects: a STOP binds every project texting from that sender. A project\'s key lists its own entries '
      + '(numbers its messages went to, and those its keys listed); a page may then hold fewer items than `limit`, even none: follow nextCursor until null. '
      + '`?phone=` answers for any number.',
  })
  @ApiOkResponse({ type: OptOutPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async list(@Query() query: ListOptOutsQuery, @CurrentRequest() context: RequestContext): Promise<OptOutPageDto> {
    const { items, nextCursor } = await this.optOuts.list({ phone: query.phone, before: query.cursor, limit: query.limit }, context);
    return { items: items.map((item) => toOptOutView(item, context)), nextCursor };
  }

  @Post()
  @ApiOperation({
    summary: 'Block a number',
    description: 'No message is sent to a blocked number. Blocking a blocked number changes nothing and answers 200 with its entry.',
  })
  @ApiCreatedResponse({ type: OptOutViewDto, description: 'Blocked' })
  @ApiOkResponse({ type: OptOutViewDto, description: 'Was already blocked; the existing entry' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid phone number or reason' })
  async add(
    @Body() dto: CreateOptOutDto,
    @CurrentRequest() context: RequestContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OptOutViewDto> {
    const change = { reason: dto.reason, source: 'manual' as const, actor: context.actor, requestId: context.requestId, projectId: context.projectId };
    const { entry, created } = await this.optOuts.add(dto.phone, change);
    if (!created) response.status(HttpStatus.OK);
    return toOptOutView(entry, context);
  }

  @Delete(':phone')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Unblock a number' })
  @ApiParam({ name: 'phone', example: '+5511987654321', description: 'E.164 (URL-encode the + as %2B or send it as is)' })
  @ApiNoContentResponse({ description: 'Unblocked' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid phone number' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'The number is not blocked' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: '`opt_out_not_yours`: a project key may remove only what its project listed' })
  async remove(
    @Param('phone') phone: string,
    @Query() query: RemoveOptOutQuery,
    @CurrentRequest() context: RequestContext,
  ): Promise<void> {
    const change = { reason: query.reason, source: 'manual' as const, actor: context.actor, requestId: context.requestId, projectId: context.projectId };
    await this.optOuts.remove(phone, change);
  }
}
