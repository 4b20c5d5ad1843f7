// Tracing first: its instrumentations patch http, express, amqplib and mongodb as they load.
import { startTracing, stopTracing } from './tracing/tracing';
startTracing('notifyx-api');

import { createApiApp } from './bootstrap';
import { AppConfig } from './config/app-config';

async function main(): Promise<void> {
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
  // Nest's shutdown hooks close the app on these signals and then raise them again; the spans
  // still buffered are exported meanwhile (closing the store and broker connections takes longer).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stopTracing());
}

void main();
