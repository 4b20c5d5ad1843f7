import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { MessageStoreModule } from '../messages/message-store.module';
import { InboundMessage, InboundMessageSchema } from './inbound-message.schema';
import { InboundMessagesRepository } from './inbound-messages.repository';
import { InboundMessagesService } from './inbound-messages.service';
import { OptOut, OptOutSchema } from './opt-out.schema';
import { OptOutsController } from './opt-outs.controller';
import { OptOutsRepository } from './opt-outs.repository';
import { OptOutsService } from './opt-outs.service';

/** The blocklist (REST and the service every send checks) and the inbound texts that change it. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: OptOut.name, schema: OptOutSchema },
      { name: InboundMessage.name, schema: InboundMessageSchema },
    ]),
    AuditModule,
    MessageStoreModule,
  ],
  controllers: [OptOutsController],
  providers: [OptOutsRepository, OptOutsService, InboundMessagesRepository, InboundMessagesService],
  exports: [OptOutsService, InboundMessagesService],
})
export class OptOutsModule {}
