import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeadLetterStoreModule } from '../dead-letters/dead-letters.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { OptOutsModule } from '../opt-outs/opt-outs.module';
import { ConsumerDrain } from './consumer-drain';
import { DeadLetters } from './dead-letters';
import { SMS_PROVIDER } from './sms-provider';
import { SmsController } from './sms.controller';
import { SmsService } from './sms.service';
import { StatusReconciler } from './status-reconciler';
import { TwilioProvider } from './twilio.provider';

@Module({
  imports: [MessageStoreModule, AuditModule, DeadLetterStoreModule, OptOutsModule],
  controllers: [SmsController],
  providers: [SmsService, DeadLetters, ConsumerDrain, StatusReconciler, { provide: SMS_PROVIDER, useClass: TwilioProvider }],
})
export class SmsModule {}
