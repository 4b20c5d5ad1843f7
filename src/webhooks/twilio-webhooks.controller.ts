import { Body, Controller, HttpCode, HttpStatus, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiForbiddenResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { isMongoId } from 'class-validator';
import { Public } from '../auth/api-key.guard';
import { ErrorResponseDto } from '../common/error-response.dto';
import { MessageLifecycle } from '../messages/message-lifecycle.service';
import { statusFromTwilio } from '../messages/message-status';
import { describeTwilioError } from '../sms/twilio-errors';
import { StatusCallbackDto } from './dto/status-callback.dto';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { WebhookThrottlerGuard } from './webhook-throttler.guard';

@ApiTags('webhooks')
@Public()
// The per-key API limits do not apply (no key); WebhookThrottlerGuard limits per address, before the signature check.
@SkipThrottle()
@UseGuards(WebhookThrottlerGuard, TwilioSignatureGuard)
@Controller('v1/webhooks/twilio')
export class TwilioWebhooksController {
  constructor(private readonly lifecycle: MessageLifecycle) {}

  @Post('status')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Twilio message status callback (signed with X-Twilio-Signature)' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: StatusCallbackDto })
  @ApiNoContentResponse({ description: 'Applied, or ignored because it would move the status backwards' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'Signature missing or wrong' })
  // Typed as a plain record so the global pipe leaves alone the many fields Twilio adds.
  async status(@Body() callback: Record<string, string>, @Query('messageId') messageId?: string): Promise<void> {
    const status = statusFromTwilio(callback.MessageStatus ?? '');
    if (!status || !messageId || !isMongoId(messageId)) return;
    const code = callback.ErrorCode ? Number(callback.ErrorCode) : undefined;
    const failure = code ? { code, message: describeTwilioError(code).title, description: describeTwilioError(code).description } : undefined;
    await this.lifecycle.applyReported(messageId, status, { twilioSid: callback.MessageSid, failure }, { actor: 'twilio' });
  }
}
