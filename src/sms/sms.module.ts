import { ProjectsModule } from '../projects/projects.module';
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { LogContextInterceptor } from '../common/log-context.interceptor';
import { DeadLetterStoreModule } from '../dead-letters/dead-letters.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { OptOutsModule } from '../opt-outs/opt-outs.module';
import { PolicyModule } from '../policy/policy.module';
import { CommandFailures } from './command-failures';
import { ConsumerDrain } from './consumer-drain';
import { DeadLetters } from './dead-letters';
import { SendPacer } from './send-pacer';
import { SMS_PROVIDER } from './sms-provider';
import { SmsController } from './sms.controller';
import { SmsService } from './sms.service';
import { StatusReconciler } from './status-reconciler';
import { TwilioProvider } from './twilio.provider';

@Module({
  imports: [MessageStoreModule, AuditModule, DeadLetterStoreModule, OptOutsModule, PolicyModule, ProjectsModule],
  controllers: [SmsController],
  providers: [
    SmsService, DeadLetters, CommandFailures, ConsumerDrain, StatusReconciler, SendPacer, { provide: SMS_PROVIDER, useClass: TwilioProvider },
    // Lines logged while a command is handled carry its request id.
    { provide: APP_INTERCEPTOR, useClass: LogContextInterceptor },
  ],
})
export class SmsModule {}
