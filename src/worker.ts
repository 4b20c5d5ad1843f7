import { createWorkerApp, stopWorkerGracefully } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorkerApp();
  await app.listen();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stopWorkerGracefully(app).then(() => process.exit(0));
    });
  }
}

void main();
