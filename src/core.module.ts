import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LoggerModule } from 'nestjs-pino';
import { loggerParams } from './common/logging';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';

/** What both processes need: validated config, structured logs, the MongoDB connection. */
@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      // Redaction, masking and the request id: see common/logging.ts.
      useFactory: loggerParams,
    }),
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.mongodbUri,
        serverSelectionTimeoutMS: 5000,
        // Fail fast while MongoDB is down instead of queueing writes in memory: a 503 beats a lost 202.
        bufferCommands: false,
      }),
    }),
  ],
})
export class CoreModule {}
