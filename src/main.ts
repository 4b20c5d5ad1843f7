import { createApiApp } from './bootstrap';
import { AppConfig } from './config/app-config';

async function main(): Promise<void> {
  const app = await createApiApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

void main();
