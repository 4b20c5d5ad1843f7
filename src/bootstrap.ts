import { INestApplication, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { smsServerOptions } from './queue/rmq-options';
import { WorkerModule } from './worker.module';

export const API_KEY_SCHEME = 'api-key';

function setUpSwagger(app: INestApplication): void {
  const document = new DocumentBuilder()
    .setTitle('NotifyX SMS API')
    .setDescription('Send SMS through Twilio, follow every message to its carrier status, query the audit log.')
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' }, API_KEY_SCHEME)
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}

/** The API process, configured exactly as in production; tests call this too. */
export async function createApiApp(): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  setUpSwagger(app);
  return app;
}

/** The worker process: an RMQ microservice with manual acks. */
export async function createWorkerApp(): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(WorkerModule, {
    inject: [AppConfig],
    useFactory: (config: AppConfig) => smsServerOptions(config.rabbit),
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
