import type { RunningSystem } from './system';
import { TEST_API_KEY } from './system';

/** Requests made with one API key. `system` is read at each request, so a spec can build these before its beforeAll starts the system. */
export function asKey(system: () => RunningSystem, key: string) {
  return {
    get: (path: string) => system().http().get(path).set('x-api-key', key),
    post: (path: string, body: object = {}) => system().http().post(path).set('x-api-key', key).send(body),
    patch: (path: string, body: object) => system().http().patch(path).set('x-api-key', key).send(body),
    delete: (path: string) => system().http().delete(path).set('x-api-key', key),
  };
}

/** A project made by the root admin (`fields`: its limits), with an admin key of its own that can also send and read. */
export async function createProject(system: () => RunningSystem, name: string, fields: object = {}): Promise<{ id: string; admin: string }> {
  const root = asKey(system, TEST_API_KEY);
  const { id } = (await root.post('/v1/projects', { name, ...fields }).expect(201)).body as { id: string };
  const admin = (await root.post('/v1/api-keys', { name: `${name}-admin`, scopes: ['admin', 'messages:read', 'messages:send'], projectId: id }).expect(201)).body.key as string;
  return { id, admin };
}
