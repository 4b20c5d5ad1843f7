import { testServiceUrls } from './services';
import { dropListedDatabases } from './test-databases';

/**
 * Services are left running on purpose: they belong to the machine (or to scripts/services.sh), not
 * to one test run. The specs' databases are dropped here, once nothing writes to them any more.
 */
export default async function globalTeardown(): Promise<void> {
  await dropListedDatabases(testServiceUrls().mongodbUri);
}
