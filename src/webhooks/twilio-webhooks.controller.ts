import { Body, Controller, HttpCode, HttpStatus, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiForbiddenResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { isMongoId } from 'class-validator';
import { Public } from '../auth/api-key.guard';
import { ErrorResponseDto } from '../common/error-response.dto';
import { MessageLifecycle } from '../lifecycle/message-lifecycle.service';
import { MessageStatus, statusFromTwilio } from '../lifecycle/message-status';
import { describeTwilioError } from '../sms/twilio-errors';
import { StatusCallbackDto } from './dto/status-callback.dto';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { WebhookThrottlerGuard } from './webhook-throttler.guard';

/** What our own status callback URL carries (SmsService.statusCallbackFor); Twilio signs it with the body. */
interface StatusCallbackQuery {
  messageId?: string;
  attempt?: string;
  v?: string;
  /** The message's project, for the audit entry (absent: root); Twilio signs the URL, so it is ours. */
  project?: string;
}

function wholeNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

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
  async status(@Body() callback: Record<string, string>, @Query() query: StatusCallbackQuery): Promise<void> {
    const status = statusFromTwilio(callback.MessageStatus ?? '');
    const { messageId } = query;
    // `sent` only repeats what the worker records itself with Twilio's answer: nothing to write.
    if (!status || status === MessageStatus.Sent || status === MessageStatus.Sending || !messageId || !isMongoId(messageId)) return;
    const code = callback.ErrorCode ? Number(callback.ErrorCode) : undefined;
    const failure = code ? { code, message: describeTwilioError(code).title, description: describeTwilioError(code).description } : undefined;
    const projectId = typeof query.project === 'string' && isMongoId(query.project) ? query.project : undefined;
    const report = { twilioSid: callback.MessageSid, failure, attempt: wholeNumber(query.attempt), version: wholeNumber(query.v), projectId };
    await this.lifecycle.applyReported(messageId, status, report, { actor: 'twilio' });
  }
}
