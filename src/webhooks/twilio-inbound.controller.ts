import { Body, Controller, Header, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiBody, ApiConsumes, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/api-key.guard';
import { CurrentRequest, RequestContext } from '../auth/request-context.decorator';
import { ErrorResponseDto } from '../common/error-response.dto';
import { InboundMessagesService } from '../opt-outs/inbound-messages.service';
import { twimlResponse } from '../opt-outs/twiml';
import { InboundMessageDto } from './dto/inbound-message.dto';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { WebhookThrottlerGuard } from './webhook-throttler.guard';

@ApiTags('webhooks')
@Public()
// The per-key API limits do not apply (no key); WebhookThrottlerGuard limits per address, before the signature check.
@SkipThrottle()
@UseGuards(WebhookThrottlerGuard, TwilioSignatureGuard)
@Controller('v1/webhooks/twilio')
export class TwilioInboundController {
  constructor(private readonly inbound: InboundMessagesService) {}

  @Post('inbound')
  @HttpCode(HttpStatus.OK)
  @Header('Content-Type', 'text/xml; charset=utf-8')
  @ApiOperation({
    summary: 'Twilio incoming-message webhook (signed with X-Twilio-Signature)',
    description:
      'Records the text. A body that is exactly STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT (any case) '
      + 'blocks the sender; START, YES or UNSTOP unblocks it; HELP or INFO is answered with SMS_HELP_TEXT.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: InboundMessageDto })
  @ApiProduces('text/xml')
  @ApiOkResponse({
    description: 'TwiML: the help text for HELP/INFO, otherwise an empty response',
    schema: { type: 'string', example: '<Response><Message>NotifyX: reply STOP to unsubscribe, START to resubscribe.</Message></Response>' },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'From or To missing' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Signature missing or wrong' })
  // Typed as a plain record so the global pipe leaves alone the many fields Twilio adds.
  async receive(@Body() params: Record<string, string>, @CurrentRequest() context: RequestContext): Promise<string> {
    const outcome = await this.inbound.receive({
      from: params.From ?? '', to: params.To ?? '', body: params.Body ?? '', twilioSid: params.MessageSid || undefined,
      requestId: context.requestId,
    });
    return twimlResponse(outcome.reply);
  }
}
