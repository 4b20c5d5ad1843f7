import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorkerApp();
  await app.listen();
}

void main();
