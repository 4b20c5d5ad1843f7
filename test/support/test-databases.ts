import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { MongoClient } from 'mongodb';

/**
 * Each spec's database is dropped once the whole run is over, not when the spec closes. FerretDB 1.24
 * drops a database holding its catalogue's lock while PostgreSQL drops the schema, and that drop waits
 * for every open transaction on the schema's tables; a request of a process still winding down (a
 * worker's last update) that then waits for the catalogue's lock never finishes, and neither does
 * the drop: FerretDB stops answering (seen once here, goroutine dump: the drop in `DROP SCHEMA`, an
 * update waiting for the lock). At the end of the run nothing writes to those databases any more.
 */
const LIST_ENV = 'NOTIFYX_TEST_DATABASES_FILE';

/** Set by the global setup: where this run lists its databases (the spec processes inherit it). */
export function startDatabaseList(file: string): void {
  process.env[LIST_ENV] = file;
  mkdirSync(dirname(file), { recursive: true });
  rmSync(file, { force: true });
}

export function dropAfterRun(dbName: string): void {
  const file = process.env[LIST_ENV];
  if (file) appendFileSync(file, `${dbName}\n`);
}

/** Drops the databases the run listed, one at a time; a failure is reported, not fatal. */
export async function dropListedDatabases(mongodbUri: string): Promise<void> {
  const file = process.env[LIST_ENV];
  if (!file) return;
  let names: string[];
  try {
    names = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  } catch {
    return;
  }
  const mongo = await new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5000 }).connect();
  try {
    for (const name of names) await mongo.db(name).dropDatabase().catch((error: unknown) => process.stderr.write(`[tests] could not drop ${name}: ${String(error)}\n`));
  } finally {
    await mongo.close();
    rmSync(file, { force: true });
  }
}
