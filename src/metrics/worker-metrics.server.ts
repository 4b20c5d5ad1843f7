import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { MetricsRegistry } from './metrics-registry';
import { bearerMatches } from './metrics-token';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/**
 * The worker is an RMQ microservice without HTTP: when WORKER_METRICS_PORT is set it serves
 * GET /metrics (and nothing else) on a bare node:http listener, for Prometheus to scrape each
 * worker. With METRICS_TOKEN set the bearer token is required; without it the listener should
 * stay on loopback (WORKER_METRICS_HOST defaults to 127.0.0.1), and says so when it does not.
 */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
  ) {}

  /** Where it listens (tests ask); undefined when not serving. */
  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { workerPort, workerHost, token } = this.config.metrics;
    if (workerPort === undefined) return;
    if (!token && !LOOPBACK.test(workerHost)) {
      this.logger.warn(`worker metrics are open to anyone who reaches ${workerHost}:${workerPort}: set METRICS_TOKEN`);
    }
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(workerPort, workerHost, resolve);
    });
    this.server = server;
    this.logger.log(`worker metrics on http://${workerHost}:${workerPort}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
    }
    const { token } = this.config.metrics;
    if (token && !bearerMatches(request.headers.authorization, token)) {
      return void response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Unauthorized\n');
    }
    try {
      const body = await this.metrics.render();
      response.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error({ err: error }, 'could not render metrics');
      response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
    }
  }
}
