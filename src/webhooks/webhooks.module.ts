import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { TwilioWebhooksController } from './twilio-webhooks.controller';

@Module({
  imports: [MessageStoreModule, AuditModule],
  controllers: [TwilioWebhooksController],
  providers: [TwilioSignatureGuard],
})
export class WebhooksModule {}
