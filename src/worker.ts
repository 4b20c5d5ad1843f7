// Tracing first: its instrumentations patch http, amqplib, mongodb and ioredis as they load.
import { startTracing, stopTracing } from './tracing/tracing';
startTracing('notifyx-worker');

import { createWorkerApp, stopWorkerGracefully } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorkerApp();
  await app.listen();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // The sends finished during the drain are exported before the process goes.
      void stopWorkerGracefully(app)
        .then(stopTracing)
        .then(() => process.exit(0));
    });
  }
}

void main();
