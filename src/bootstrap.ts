import { HttpException, INestApplication, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AsyncMicroserviceOptions } from '@nestjs/microservices';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { answerClientErrorsAsJson, refuseUnparsedBodies } from './common/http-input-guards';
import { securityHeaders } from './common/security-headers';
import { AppConfig, HttpSettings } from './config/app-config';
import { smsServerOptions } from './queue/rmq-options';
import { ConsumerDrain } from './sms/consumer-drain';
import { WorkerModule } from './worker.module';

export const API_KEY_SCHEME = 'api-key';

function setUpSwagger(app: INestApplication): void {
  const document = new DocumentBuilder()
    .setTitle('NotifyX SMS API')
    .setDescription('Send SMS through Twilio, follow every message to its carrier status, query the audit log. Every API key belongs to a project and reaches only its project\'s messages, batches, templates, dead letters, audit entries, reports and keys (another project\'s answer 404); the keys of API_KEYS belong to the root project, which sees them all.')
    .setVersion('1')
    .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' }, API_KEY_SCHEME)
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}

/**
 * body-parser refuses with errors that carry a status (413 too large, 415 bad charset) but are not
 * HttpExceptions, so the exception filter would answer 500; `expose` marks those safe to show.
 */
function bodyParserRefusals(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const { status, expose, message } = (error ?? {}) as { status?: number; expose?: boolean; message?: string };
  next(expose === true && typeof status === 'number' && status < 500 ? new HttpException(message ?? 'Bad request', status) : error);
}

const BULK_ROUTE = '/v1/messages/bulk';

/** Security headers, a body size limit (413 beyond) and CORS, closed unless CORS_ORIGINS lists origins. */
function hardenHttp(app: NestExpressApplication, { bodyLimit, bulkBodyLimit, corsOrigins }: HttpSettings): void {
  // helmet's default CSP suits Swagger UI (scripts and styles from 'self', icons as data: URLs). No
  // upgrade-insecure-requests: it would break /docs wherever the API is reached over plain http.
  app.use(securityHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // The bulk route parses its own (larger) body first; the general parser then leaves it alone.
  app.use(refuseUnparsedBodies);
  app.use(BULK_ROUTE, json({ limit: bulkBodyLimit }));
  app.useBodyParser('json', { limit: bodyLimit });
  // Twilio posts flat fields; extended parsing would only let `a[$gt]=` build objects out of a form.
  app.useBodyParser('urlencoded', { limit: bodyLimit, extended: false });
  app.use(bodyParserRefusals);
  if (!corsOrigins) return;
  app.enableCors({
    origin: corsOrigins,
    allowedHeaders: ['content-type', 'x-api-key', 'idempotency-key', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
    maxAge: 600,
  });
}

/** The API process, configured exactly as in production; tests call this too. */
export async function createApiApp(): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  hardenHttp(app, app.get(AppConfig).http);
  // Behind a load balancer: the client's address (X-Forwarded-For from TRUST_PROXY's hops) for limits and audit.
  app.set('trust proxy', app.get(AppConfig).trustProxy);
  answerClientErrorsAsJson(app.getHttpServer());
  setUpSwagger(app);
  return app;
}

/** The worker process: an RMQ microservice with manual acks. */
export async function createWorkerApp(): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(WorkerModule, {
    inject: [AppConfig],
    useFactory: (config: AppConfig) => smsServerOptions(config.rabbit, config.retry.maxAttempts),
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  return app;
}

/** SIGTERM: take no new commands, finish and ack the sends in flight, then exit. */
export async function stopWorkerGracefully(app: INestMicroservice): Promise<void> {
  await app.get(ConsumerDrain).drain(app.get(AppConfig).shutdownGraceMs);
  await app.close();
}
