import request from 'supertest';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

type Schema = { $ref?: string; type?: string; nullable?: boolean; properties?: Record<string, Schema>; example?: unknown; enum?: unknown[] };
interface Operation {
  method: string;
  path: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Probe {
  label: string;
  method: string;
  url: string;
  contentType?: string;
  body?: string;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const HUGE = 'x'.repeat(20_000);
const BAD_IDS = ['not-an-id', '__proto__', 'constructor', encodeURIComponent('{"$gt":""}'), 'x'.repeat(2000), '%00', '-1'];
const BAD_QUERY_VALUES = (name: string): string[] => [
  `${name}[$gt]=`, `${name}=${HUGE}`, `${name}=__proto__`, `${name}=-1`, `${name}=1e400`, `${name}=%00`, `${name}=a&${name}=b`, `${name}=null`,
];
/** Values of the wrong type for a field of each declared type (null too, unless the field is nullable). */
const BAD_VALUES: Record<string, unknown[]> = {
  string: [12345, true, [], {}, { $gt: '' }, HUGE],
  number: ['abc', true, [], {}, { $gt: '' }],
  integer: ['abc', 1.5, true, [], { $gt: '' }],
  boolean: ['yes', 1, {}],
  array: ['x', 12345, {}, [{ $ne: null }], [HUGE]],
  object: ['x', 12345, [], { $gt: '' }, JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: 'y' }],
  any: ['x', 12345, []],
};
/** Bodies that are valid, where the schema's examples alone are not, so one bad field is the only thing wrong. */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'post /v1/messages': { to: '+5511987654321', body: 'hello' },
  'post /v1/messages/bulk': { body: 'hello', recipients: [{ to: '+5511987654321' }] },
};
const BAD_BODIES: { label: string; contentType: string; body: string }[] = [
  { label: 'null', contentType: 'application/json', body: 'null' },
  { label: 'an array', contentType: 'application/json', body: '[]' },
  { label: 'a string', contentType: 'application/json', body: '"text"' },
  { label: 'a number', contentType: 'application/json', body: '42' },
  { label: 'broken JSON', contentType: 'application/json', body: '{"to":' },
  { label: '__proto__', contentType: 'application/json', body: '{"__proto__":{"polluted":true}}' },
  { label: 'constructor.prototype', contentType: 'application/json', body: '{"constructor":{"prototype":{"polluted":true}}}' },
  { label: 'text/plain', contentType: 'text/plain', body: '{"to":"+5511987654321"}' },
  { label: 'XML', contentType: 'application/xml', body: '<to>+5511987654321</to>' },
  { label: 'a form', contentType: 'application/x-www-form-urlencoded', body: 'to[$gt]=&__proto__[polluted]=1' },
  { label: 'a form with constructor', contentType: 'application/x-www-form-urlencoded', body: 'constructor=y&prototype=z' },
  { label: 'an escaped nested key', contentType: 'application/json', body: '{"metadata":{"\\u0063onstructor":"y"}}' },
];

/**
 * Every operation of the OpenAPI document, sent malformed ids, query values and bodies. Each must
 * be refused with a JSON 4xx that names the problem ({statusCode, code, message}), never a 5xx.
 */
describe('malformed input on every documented operation', () => {
  let system: RunningSystem;
  let operations: Operation[];
  let schemas: Record<string, Schema>;
  let templateId: string;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    const document = (await system.http().get('/docs-json').expect(200)).body;
    schemas = document.components.schemas;
    templateId = (await system.http().post('/v1/templates').set('x-api-key', TEST_API_KEY).send({ name: 'probe', body: 'Hi {{name}}' }).expect(201)).body.id;
    operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      Object.entries(item).filter(([method]) => METHODS.has(method)).map(([method, operation]) => ({ ...operation, method, path })));
  });
  afterAll(async () => {
    await system?.close();
  });

  const resolve = (schema: Schema): Schema => (schema.$ref ? schemas[schema.$ref.split('/').pop() as string] : schema);

  /** A valid body: listed above, or what the schema's examples describe. */
  function exampleOf(operation: Operation, schema: Schema): Record<string, unknown> {
    const listed = VALID_BODIES[`${operation.method} ${operation.path}`];
    if (listed) return listed;
    const properties = resolve(schema).properties ?? {};
    return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, property.example ?? resolve(property).enum?.[0] ?? 'x']));
  }

  function badValues(property: Schema): unknown[] {
    const type = property.$ref ? 'object' : (property.type ?? 'any');
    return [...(property.nullable ? [] : [null]), ...(BAD_VALUES[type] ?? BAD_VALUES.any)];
  }

  /** Ids in paths: a real template's, so PATCH reaches the service; elsewhere one that names nothing (404). */
  const withIds = (path: string, id?: string) =>
    path.replace(/\{[^}]+\}/g, id ?? (path.startsWith('/v1/templates/') ? templateId : '6650f1c2a1b2c3d4e5f60718'));

  function probesFor(operation: Operation): Probe[] {
    const { method, path } = operation;
    const probes: Probe[] = [];
    if (/\{[^}]+\}/.test(path)) {
      for (const id of BAD_IDS) probes.push({ label: `id ${id.slice(0, 20)}`, method, url: withIds(path, id) });
    }
    for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
      for (const query of BAD_QUERY_VALUES(parameter.name)) probes.push({ label: `query ${query.slice(0, 30)}`, method, url: `${withIds(path)}?${query}` });
    }
    if (operation.parameters?.some((p) => p.in === 'query')) probes.push({ label: 'prototype keys in the query', method, url: `${withIds(path)}?__proto__[polluted]=1&constructor[prototype][polluted]=1` },
      { label: 'constructor in the query', method, url: `${withIds(path)}?constructor=y&__proto__=x` });
    const json = operation.requestBody?.content['application/json']?.schema;
    if (operation.requestBody) {
      for (const { label, contentType, body } of BAD_BODIES) probes.push({ label: `body ${label}`, method, url: withIds(path), contentType, body });
    }
    if (json) {
      const example = exampleOf(operation, json);
      for (const [field, property] of Object.entries(resolve(json).properties ?? {})) {
        for (const value of badValues(property)) {
          probes.push({ label: `${field}=${JSON.stringify(value).slice(0, 20)}`, method, url: withIds(path), contentType: 'application/json', body: JSON.stringify({ ...example, [field]: value }) });
        }
      }
    }
    return probes;
  }

  function send(probe: Probe): request.Test {
    const call = (request(system.api.getHttpServer()) as unknown as Record<string, (url: string) => request.Test>)[probe.method](probe.url)
      .set('x-api-key', TEST_API_KEY);
    return probe.body === undefined ? call : call.set('content-type', probe.contentType as string).send(probe.body);
  }

  it('answers each with a JSON 4xx naming the problem, within a few hundred requests', async () => {
    const probes = operations.flatMap(probesFor);
    expect(operations.length).toBeGreaterThan(20);
    expect(probes.length).toBeGreaterThan(300);
    expect(probes.length).toBeLessThan(1500);
    const wrong: string[] = [];
    for (const probe of probes) {
      const answer = await send(probe);
      const body = answer.body as { statusCode?: unknown; code?: unknown; message?: unknown };
      const named = typeof body.code === 'string' && typeof body.message === 'string' && body.message.length > 0 && body.statusCode === answer.status;
      if (answer.status < 400 || answer.status >= 500 || !/json/.test(answer.headers['content-type'] ?? '') || !named) {
        wrong.push(`${probe.method.toUpperCase()} ${probe.url.slice(0, 80)} [${probe.label}] → ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
