import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/system';

/**
 * The script runs from a copy in a checkout of its own: the suite's FerretDB, started by this
 * checkout's pretest, is recorded in this checkout's .run/, and the script rightly refuses to
 * start a second one here. A checkout where no local store was started is what these cases need.
 */
function checkoutWithoutStore(): string {
  const root = mkdtempSync(join(tmpdir(), 'notifyx-services-'));
  mkdirSync(join(root, 'scripts'));
  for (const file of ['services.sh', 'ferretdb-pg-indexes.sql']) {
    copyFileSync(join(__dirname, '..', 'scripts', file), join(root, 'scripts', file));
  }
  return root;
}

/** scripts/services.sh without a MongoDB: FerretDB only on PostgreSQL, and a clear stop without it. */
describe('scripts/services.sh and the local store', () => {
  const root = checkoutWithoutStore();
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const run = (env: Record<string, string>) =>
    spawnSync('bash', [join(root, 'scripts', 'services.sh'), '--for-tests', '--skip-browser'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('stops with one message saying PostgreSQL is needed and how to get it, when none answers', async () => {
    const [mongo, postgres] = [await freePort(), await freePort()];
    const result = run({ TEST_MONGODB_URI: `mongodb://127.0.0.1:${mongo}`, FERRETDB_POSTGRESQL_URL: `postgres://postgres@127.0.0.1:${postgres}/notifyx_x` });
    expect(result.status).toBe(1);
    const errors = result.stderr.split('\n').filter((line) => line.includes('ERROR'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`needs PostgreSQL, which does not answer at 127.0.0.1:${postgres}`);
    expect(errors[0]).toContain('apt-get install postgresql');
    expect(errors[0]).toContain('point TEST_MONGODB_URI at a MongoDB');
    expect(result.stderr).not.toMatch(/starting FerretDB|sqlite/i);
  });

  it('refuses FERRETDB_HANDLER=sqlite instead of falling back to it', async () => {
    const result = run({ TEST_MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}`, FERRETDB_HANDLER: 'sqlite' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('FERRETDB_HANDLER=sqlite is not supported');
    expect(result.stderr).not.toContain('starting FerretDB');
  });
});
