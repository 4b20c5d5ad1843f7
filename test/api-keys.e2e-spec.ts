import { createHash } from 'node:crypto';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  scopes: string[];
}

describe('API keys with scopes (real API on FerretDB)', () => {
  let system: RunningSystem;
  const db = () => system.mongo.db(system.dbName);
  const as = (key: string) => ({
    get: (path: string) => system.http().get(path).set('x-api-key', key),
    post: (path: string, body: object) => system.http().post(path).set('x-api-key', key).send(body),
    delete: (path: string) => system.http().delete(path).set('x-api-key', key),
  });
  const admin = as(TEST_API_KEY);
  const createKey = async (name: string, scopes: string[]): Promise<CreatedKey> =>
    (await admin.post('/v1/api-keys', { name, scopes }).expect(201)).body;
  const auditFor = async (action: string) => (await admin.get(`/v1/audit?action=${action}&limit=200`).expect(200)).body.items;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('shows a new key once and stores only its SHA-256', async () => {
    const created = await admin.post('/v1/api-keys', { name: 'billing', scopes: ['messages:read', 'messages:send'] }).expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/), key: expect.stringMatching(/^nx_[A-Za-z0-9_-]{43}$/), name: 'billing',
      scopes: ['messages:send', 'messages:read'], projectId: 'root', createdAt: expect.any(String), createdBy: expect.stringMatching(/^apikey:[0-9a-f]{8}$/),
      revokedAt: null,
    });
    const { key, id } = created.body as CreatedKey;
    const stored = await db().collection('api_keys').find().toArray();
    expect(stored.find((doc) => doc._id.toHexString() === id)?.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(key);

    const listed = await admin.get('/v1/api-keys').expect(200);
    expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id, name: 'billing', revokedAt: null })]));
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(listed.body.items.every((item: object) => !('key' in item) && !('hash' in item))).toBe(true);
  });

  it('lets a key do what its scopes allow, audited as apikey:<id>, and nothing more (403)', async () => {
    const sender = await createKey('sender', ['messages:send']);
    const accepted = await as(sender.key).post('/v1/messages', { to: '+5511987654321', body: 'scoped' }).expect(202);
    const audit = (await admin.get(`/v1/audit?messageId=${accepted.body.id}`).expect(200)).body.items;
    expect(audit[0]).toMatchObject({ action: 'message.accepted', actor: `apikey:${sender.id}` });

    for (const path of ['/v1/messages', `/v1/messages/${accepted.body.id}`, '/v1/audit', '/v1/api-keys']) {
      const refused = await as(sender.key).get(path).expect(403).expect('content-type', /json/);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'insufficient_scope', requiredScopes: expect.any(Array) });
    }
    await as(sender.key).post('/v1/api-keys', { name: 'escalate', scopes: ['admin'] }).expect(403);

    const reader = await createKey('reader', ['messages:read']);
    await as(reader.key).get(`/v1/messages/${accepted.body.id}`).expect(200);
    await as(reader.key).post('/v1/messages/test-sms', { phone: '11987650000' }).expect(403);
  });

  it('gives admin keys key management and the audit log, but not sending', async () => {
    const operator = await createKey('operator', ['admin']);
    const made = (await as(operator.key).post('/v1/api-keys', { name: 'made-by-operator', scopes: ['messages:read'] }).expect(201)).body;
    expect(made.createdBy).toBe(`apikey:${operator.id}`);
    await as(operator.key).get('/v1/audit').expect(200);
    await as(operator.key).post('/v1/messages', { to: '+5511987654321', body: 'no' }).expect(403);
  });

  it('revokes with immediate effect: the very next request is a 401', async () => {
    const leaked = await createKey('leaked', ['messages:read']);
    await as(leaked.key).get('/v1/messages').expect(200);
    await admin.delete(`/v1/api-keys/${leaked.id}`).expect(204);
    const refused = await as(leaked.key).get('/v1/messages').expect(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'unauthorized', message: 'The API key is not valid' });
    await admin.delete(`/v1/api-keys/${leaked.id}`).expect(204);
    const listed = (await admin.get('/v1/api-keys').expect(200)).body.items;
    expect(listed.find((item: { id: string }) => item.id === leaked.id).revokedAt).toEqual(expect.any(String));
  });

  it('audits creation, revocation and every refusal, never with the key in it', async () => {
    const victim = await createKey('audited', ['messages:send']);
    await as(victim.key).get('/v1/messages').expect(403);
    await admin.delete(`/v1/api-keys/${victim.id}`).expect(204);
    await as(victim.key).get('/v1/messages').expect(401);
    await as('nx_not-a-real-key').get('/v1/messages').expect(401);
    await system.http().get('/v1/messages').expect(401);

    expect(await auditFor('api_key.created')).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: expect.stringMatching(/^apikey:/), details: { keyId: victim.id, name: 'audited', scopes: ['messages:send'] } }),
    ]));
    expect((await auditFor('api_key.revoked')).filter((entry: { details: { keyId: string } }) => entry.details.keyId === victim.id)).toHaveLength(1);
    const denied = await auditFor('access.denied');
    expect(denied).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: `apikey:${victim.id}`, details: expect.objectContaining({ status: 403, reason: 'insufficient_scope', path: '/v1/messages' }) }),
      expect.objectContaining({ actor: `apikey:${victim.id}`, details: expect.objectContaining({ status: 401, reason: 'revoked_key' }) }),
      expect.objectContaining({ actor: 'anonymous', details: expect.objectContaining({ status: 401, reason: 'unknown_key' }) }),
      expect.objectContaining({ actor: 'anonymous', details: expect.objectContaining({ status: 401, reason: 'missing_key' }) }),
    ]));
    const everything = JSON.stringify(await db().collection('audit_log').find().toArray());
    expect(everything).not.toContain(victim.key);
    expect(everything).not.toContain(TEST_API_KEY);
  });

  it.each([
    [{ name: 'x', scopes: ['root'] }, /each value in scopes must be one of/],
    [{ name: 'x', scopes: [] }, /scopes should not be empty/],
    [{ name: 'x', scopes: ['admin', 'admin'] }, /scopes/],
    [{ name: '  ', scopes: ['admin'] }, /name must not be blank/],
    [{ scopes: ['admin'] }, /name/],
    [{ name: 'x', scopes: ['admin'], key: 'nx_chosen' }, /property key should not exist/],
  ])('refuses %j with 400', async (body, message) => {
    const response = await admin.post('/v1/api-keys', body).expect(400);
    expect(response.body).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(message) });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    await admin.delete('/v1/api-keys/6650f1c2a1b2c3d4e5f60718').expect(404);
    await admin.delete('/v1/api-keys/nope').expect(400);
  });

  it('documents the endpoints in Swagger', async () => {
    const { body } = await system.http().get('/docs-json').expect(200);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/api-keys', '/v1/api-keys/{id}']));
    expect(body.paths['/v1/api-keys'].post.responses).toHaveProperty('201');
    expect(body.paths['/v1/api-keys'].post.responses).toHaveProperty('403');
  });
});
