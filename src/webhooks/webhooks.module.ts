import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { OptOutsModule } from '../opt-outs/opt-outs.module';
import { TwilioInboundController } from './twilio-inbound.controller';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { TwilioWebhooksController } from './twilio-webhooks.controller';

@Module({
  imports: [MessageStoreModule, AuditModule, OptOutsModule],
  controllers: [TwilioWebhooksController, TwilioInboundController],
  providers: [TwilioSignatureGuard],
})
export class WebhooksModule {}
