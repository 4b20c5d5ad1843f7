import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';

/** Request ids come from the caller's x-request-id when given, so one id can follow a message across systems. */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

/** What both processes need: validated config, structured logs, the MongoDB connection. */
@Module({
  imports: [
    AppConfigModule,
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          genReqId: requestId,
          redact: {
            paths: ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers["x-twilio-signature"]', 'req.headers.cookie'],
            censor: '[redacted]',
          },
        },
      }),
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
