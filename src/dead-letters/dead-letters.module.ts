import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { CommandDispatcher } from '../outbox/command-dispatcher';
import { MessageStoreModule } from '../messages/message-store.module';
import { QueueModule } from '../queue/queue.module';
import { DeadLetter, DeadLetterReplay, DeadLetterReplaySchema, DeadLetterSchema } from './dead-letter.schema';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeadLettersService } from './dead-letters.service';

const models = MongooseModule.forFeature([
  { name: DeadLetter.name, schema: DeadLetterSchema },
  { name: DeadLetterReplay.name, schema: DeadLetterReplaySchema },
]);

/** The store alone, for the worker that parks commands. */
@Module({ imports: [models], providers: [DeadLettersRepository], exports: [DeadLettersRepository] })
export class DeadLetterStoreModule {}

/** The HTTP view and replay, for the API. */
@Module({
  imports: [DeadLetterStoreModule, MessageStoreModule, QueueModule, AuditModule],
  controllers: [DeadLettersController],
  providers: [DeadLettersService, CommandDispatcher],
})
export class DeadLettersModule {}
