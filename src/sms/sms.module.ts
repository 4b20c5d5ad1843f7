import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { DeadLetters } from './dead-letters';
import { SMS_PROVIDER } from './sms-provider';
import { SmsController } from './sms.controller';
import { SmsService } from './sms.service';
import { TwilioProvider } from './twilio.provider';

@Module({
  imports: [MessageStoreModule, AuditModule],
  controllers: [SmsController],
  providers: [SmsService, DeadLetters, { provide: SMS_PROVIDER, useClass: TwilioProvider }],
})
export class SmsModule {}
