import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './support/system';

const SCRIPT = join(__dirname, '..', 'scripts', 'services.sh');

/** scripts/services.sh without a MongoDB: FerretDB only on PostgreSQL, and a clear stop without it. */
describe('scripts/services.sh and the local store', () => {
  const run = (env: Record<string, string>) =>
    spawnSync('bash', [SCRIPT, '--for-tests', '--skip-browser'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

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
