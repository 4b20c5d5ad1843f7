import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { OptOutsModule } from '../opt-outs/opt-outs.module';
import { RateLimitStorageModule } from '../rate-limit/rate-limit.module';
import { TwilioInboundController } from './twilio-inbound.controller';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { TwilioWebhooksController } from './twilio-webhooks.controller';
import { WebhookRefusals } from './webhook-refusals';
import { WebhookThrottlerGuard } from './webhook-throttler.guard';

@Module({
  imports: [MessageStoreModule, AuditModule, OptOutsModule, RateLimitStorageModule],
  controllers: [TwilioWebhooksController, TwilioInboundController],
  providers: [WebhookThrottlerGuard, TwilioSignatureGuard, WebhookRefusals],
})
export class WebhooksModule {}
