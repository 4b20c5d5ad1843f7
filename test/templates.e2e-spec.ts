import { TemplatesService } from '../src/templates/templates.service';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

describe('templates: CRUD on the real store and rendering for sends', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    // Rate limits are another spec's subject; this one makes many quick calls.
    system = await startSystem({ worker: false, env: { THROTTLE_LIMIT: '10000', THROTTLE_BURST_LIMIT: '10000' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  const api = {
    get: (path: string) => system.http().get(path).set('x-api-key', TEST_API_KEY),
    post: (body: object) => system.http().post('/v1/templates').set('x-api-key', TEST_API_KEY).send(body),
    patch: (id: string, body: object) => system.http().patch(`/v1/templates/${id}`).set('x-api-key', TEST_API_KEY).send(body),
    delete: (id: string) => system.http().delete(`/v1/templates/${id}`).set('x-api-key', TEST_API_KEY),
  };
  const render = (ref: object, variables: Record<string, string | number>) => system.api.get(TemplatesService).render(ref, variables, { projectId: 'root' });

  it('creates (201) with the variables it found and a canonical locale, then reads it back', async () => {
    const created = await api.post({ name: 'order.shipped', body: 'Oi {{firstName}}, pedido {{orderId}} enviado!', locale: 'pt-br' }).expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'order.shipped', body: 'Oi {{firstName}}, pedido {{orderId}} enviado!',
      locale: 'pt-BR', variables: ['firstName', 'orderId'], createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    expect((await api.get(`/v1/templates/${created.body.id}`).expect(200)).body).toEqual(created.body);
  });

  it('renders by name and by id for the send path, numbers included, and names missing variables', async () => {
    const { body } = await api.post({ name: 'otp', body: 'Code {{code}}, valid {{minutes}} min' }).expect(201);
    await expect(render({ templateName: 'otp' }, { code: '0042', minutes: 10 })).resolves.toEqual({
      body: 'Code 0042, valid 10 min', template: { id: body.id, name: 'otp' }, defaults: {},
    });
    await expect(render({ templateId: body.id }, { minutes: 5 })).rejects.toMatchObject({
      code: 'missing_template_variable', httpStatus: 400, message: 'template variable "code" is missing',
    });
    await expect(render({ templateName: 'nope' }, {})).rejects.toMatchObject({ code: 'template_not_found', httpStatus: 404 });
  });

  it('PATCH changes only what is given, renders the new body at once, and null removes the locale', async () => {
    const { body } = await api.post({ name: 'greeting', body: 'Hello {{name}}', locale: 'en' }).expect(201);
    await expect(render({ templateId: body.id }, { name: 'Ana' })).resolves.toMatchObject({ body: 'Hello Ana' });

    const patched = await api.patch(body.id, { body: 'Hi {{name}}!' }).expect(200);
    expect(patched.body).toMatchObject({ name: 'greeting', body: 'Hi {{name}}!', locale: 'en', variables: ['name'] });
    await expect(render({ templateName: 'greeting' }, { name: 'Ana' })).resolves.toMatchObject({ body: 'Hi Ana!' });

    const renamed = await api.patch(body.id, { name: 'greeting.v2', locale: null }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'greeting.v2', body: 'Hi {{name}}!' });
    expect(renamed.body.locale).toBeUndefined();
    await expect(render({ templateName: 'greeting.v2' }, { name: 'Bia' })).resolves.toEqual({
      body: 'Hi Bia!', template: { id: body.id, name: 'greeting.v2' }, defaults: {},
    });
  });

  it('lists newest first with a cursor', async () => {
    for (const n of [1, 2, 3]) await api.post({ name: `list.${n}`, body: `t${n}` }).expect(201);
    const first = await api.get('/v1/templates').query({ limit: 2 }).expect(200);
    expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(['list.3', 'list.2']);
    const second = await api.get('/v1/templates').query({ limit: 2, cursor: first.body.nextCursor }).expect(200);
    expect(second.body.items[0].name).toBe('list.1');
  });

  it('DELETE answers 204, then the template is gone for reads and renders', async () => {
    const { body } = await api.post({ name: 'to.delete', body: 'bye' }).expect(201);
    await api.delete(body.id).expect(204);
    expect((await api.get(`/v1/templates/${body.id}`).expect(404)).body).toMatchObject({ code: 'template_not_found' });
    await api.delete(body.id).expect(404);
    await expect(render({ templateId: body.id }, {})).rejects.toMatchObject({ code: 'template_not_found' });
  });

  describe('unique names', () => {
    it('refuses a second template with a taken name: 409 template_name_taken', async () => {
      await api.post({ name: 'dup', body: 'one' }).expect(201);
      const duplicate = await api.post({ name: 'dup', body: 'two' }).expect(409);
      expect(duplicate.body).toMatchObject({ statusCode: 409, code: 'template_name_taken', message: 'A template named "dup" already exists' });
    });

    it('refuses renaming onto a taken name', async () => {
      await api.post({ name: 'taken', body: 'a' }).expect(201);
      const { body } = await api.post({ name: 'free', body: 'b' }).expect(201);
      expect((await api.patch(body.id, { name: 'taken' }).expect(409)).body.code).toBe('template_name_taken');
      expect((await api.get(`/v1/templates/${body.id}`)).body.name).toBe('free');
    });

    it('lets exactly one of many racing creates win', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, n) => api.post({ name: 'race', body: `body ${n}` })));
      expect(results.map((result) => result.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    });
  });

  describe('bad input', () => {
    it('answers 400 with the parse error for a body that does not compile', async () => {
      const response = await api.post({ name: 'broken', body: 'Hi {{name' }).expect(400);
      expect(response.body).toMatchObject({ code: 'invalid_template', message: expect.stringMatching(/^body is not a valid template: Parse error on line 1/) });
      const { body } = await api.post({ name: 'fine', body: 'ok' }).expect(201);
      expect((await api.patch(body.id, { body: '{{#if a}}x' }).expect(400)).body.code).toBe('invalid_template');
      expect((await api.get(`/v1/templates/${body.id}`)).body.body).toBe('ok');
    });

    it.each([
      [{ name: 'x', body: '{{user.name}}' }, 'invalid_template', /"user.name" is not a variable name/],
      [{ name: 'x', body: '{{#each items}}{{/each}}' }, 'invalid_template', /{{#each}} is not supported/],
      [{ name: 'Bad Name', body: 'x' }, 'validation_failed', /name must be 1-64 lower-case/],
      [{ name: '.hidden', body: 'x' }, 'validation_failed', /name must be/],
      [{ name: 'x'.repeat(65), body: 'x' }, 'validation_failed', /name must be/],
      [{ name: 'x', body: '' }, 'validation_failed', /body must be longer/],
      [{ name: 'x', body: 'y'.repeat(1601) }, 'validation_failed', /body must be shorter/],
      [{ name: 'x', body: 'y', locale: 'portuguese!' }, 'validation_failed', /locale must be a BCP 47 language tag/],
      [{ name: 'x', body: 'y', locale: 'e' }, 'validation_failed', /locale must be a BCP 47/],
      [{ name: 'x', body: 'y', owner: 'me' }, 'validation_failed', /property owner should not exist/],
      [{ name: { $ne: '' }, body: 'y' }, 'validation_failed', /name must be a string/],
    ])('POST %j → 400 %s', async (input, code, message) => {
      const response = await api.post(input).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code, message: expect.stringMatching(message) });
    });

    it('PATCH refuses null for name and body (only locale can be removed)', async () => {
      const { body } = await api.post({ name: 'nullable', body: 'x' }).expect(201);
      expect((await api.patch(body.id, { name: null }).expect(400)).body.message).toMatch(/name must be a string/);
      expect((await api.patch(body.id, { body: null }).expect(400)).body.message).toMatch(/body must be a string/);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      expect((await api.get('/v1/templates/nope').expect(400)).body.code).toBe('invalid_id');
      expect((await api.patch('6650f1c2a1b2c3d4e5f60718', { body: 'x' }).expect(404)).body.code).toBe('template_not_found');
      expect((await api.delete('6650f1c2a1b2c3d4e5f60718').expect(404)).body.code).toBe('template_not_found');
    });

    it('answers 401 without an API key', async () => {
      await system.http().get('/v1/templates').expect(401);
      await system.http().post('/v1/templates').send({ name: 'nokey', body: 'x' }).expect(401);
    });
  });

  it('is documented in Swagger', async () => {
    const { paths } = (await system.http().get('/docs-json').expect(200)).body;
    expect(Object.keys(paths['/v1/templates'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/v1/templates/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(paths['/v1/templates'].post.responses).toHaveProperty('409');
  });

  it('audits creation, change and deletion', async () => {
    const { body } = await api.post({ name: 'audited', body: 'x' }).expect(201);
    await api.patch(body.id, { body: 'y' }).expect(200);
    await api.delete(body.id).expect(204);
    for (const action of ['template.created', 'template.updated', 'template.deleted']) {
      const { items } = (await api.get('/v1/audit').query({ action, limit: 200 }).expect(200)).body;
      expect(items).toContainEqual(expect.objectContaining({ actor: expect.stringMatching(/^apikey:/), details: expect.objectContaining({ templateId: body.id }) }));
    }
  });
});
