import type { INestApplication } from '@nestjs/common';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { batchWrittenOut, RunningSystem, startSystem, TEST_API_KEY } from './support/system';

const ALLOWED_ORIGIN = 'https://app.example.com';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('HTTP hardening: headers, body limit, CORS, operator injection', () => {
  let system: RunningSystem;
  const messages = () => system.mongo.db(system.dbName).collection('messages');

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { HTTP_BODY_LIMIT: '2kb', HTTP_BULK_BODY_LIMIT: '8kb', CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://ops.example.com/` } });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('sends helmet security headers on API answers and on /docs', async () => {
    for (const path of ['/v1/messages', '/docs', '/health']) {
      const { headers } = await system.http().get(path).set('x-api-key', TEST_API_KEY);
      expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' });
      expect(headers['content-security-policy']).toContain("default-src 'self'");
      expect(headers['x-powered-by']).toBeUndefined();
    }
  });

  it('keeps Swagger UI working under that CSP', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => message.text().includes('Content Security Policy') && violations.push(message.text()));
      await page.goto(`${system.baseUrl}/docs`);
      await page.locator('#operations-api-keys-ApiKeysController_create').waitFor();
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('refuses a body over HTTP_BODY_LIMIT with 413 JSON, JSON or form, and stores nothing', async () => {
    const before = await messages().countDocuments();
    const json = await system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY)
      .send({ to: '+5511987654321', body: 'x'.repeat(3000) }).expect(413).expect('content-type', /json/);
    expect(json.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    const form = await system.http().post('/v1/webhooks/twilio/status').type('form').send({ Body: 'x'.repeat(3000) }).expect(413);
    expect(form.body.code).toBe('payload_too_large');
    expect(await messages().countDocuments()).toBe(before);
  });

  it('gives the bulk route its own limit, HTTP_BULK_BODY_LIMIT', async () => {
    const recipients = (count: number) => Array.from({ length: count }, (_, i) => ({ to: `+55119876${String(i).padStart(5, '0')}` }));
    // About 3.3 kB: over HTTP_BODY_LIMIT, under the bulk limit.
    const fits = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body: 'hi', recipients: recipients(100) });
    expect(fits.status).toBe(202);
    expect(fits.body.accepted).toBe(100);
    // Its messages are written out after the answer: let that finish before other tests count messages.
    await batchWrittenOut(system, fits.body.batchId, 100);
    const over = await system.http().post('/v1/messages/bulk').set('x-api-key', TEST_API_KEY).send({ body: 'hi', recipients: recipients(400) }).expect(413);
    expect(over.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('answers malformed JSON with 400 JSON', async () => {
    const response = await system.http().post('/v1/messages').set('x-api-key', TEST_API_KEY).type('json').send('{"to":').expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'bad_request' });
  });

  it.each([
    ['a body field', () => system.http().post('/v1/messages').send({ to: { $gt: '' }, body: 'hi' }), /to must be a string/],
    ['a nested metadata key', () => system.http().post('/v1/messages').send({ to: '+5511987654321', body: 'hi', metadata: { $where: '1' } }), /metadata key/],
    ['a query operator', () => system.http().get('/v1/messages?status[$ne]=x'), /status\[\$ne\] should not exist/],
    ['a query operator on to', () => system.http().get('/v1/messages?to[$gt]='), /should not exist/],
    ['a repeated query parameter', () => system.http().get('/v1/messages?status=sent&status=failed'), /status must be one of/],
  ])('rejects MongoDB operators in %s with 400', async (_, call, message) => {
    const before = await messages().countDocuments();
    const response = await call().set('x-api-key', TEST_API_KEY).expect(400);
    expect(response.body).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(message) });
    expect(await messages().countDocuments()).toBe(before);
  });

  it('answers CORS preflights only for the configured origins', async () => {
    const preflight = (origin: string) => system.http().options('/v1/messages').set('origin', origin)
      .set('access-control-request-method', 'POST').set('access-control-request-headers', 'x-api-key,content-type');
    const allowed = await preflight(ALLOWED_ORIGIN).expect(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-allow-headers']).toContain('x-api-key');
    expect((await preflight('https://ops.example.com')).headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();

    const simple = await system.http().get('/v1/messages').set('origin', ALLOWED_ORIGIN).set('x-api-key', TEST_API_KEY).expect(200);
    expect(simple.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(simple.headers['access-control-expose-headers']).toContain('ratelimit-remaining');
  });

  describe('without CORS_ORIGINS', () => {
    let closed: INestApplication;

    beforeAll(async () => {
      // A fresh module registry: config is validated once per load, and this app must see no CORS_ORIGINS.
      delete process.env.CORS_ORIGINS;
      await jest.isolateModulesAsync(async () => {
        const { createApiApp } = await import('../src/bootstrap');
        closed = await createApiApp();
        await closed.init();
      });
    });
    afterAll(async () => {
      await closed?.close();
    });

    it('sends no CORS headers at all, so browsers on other origins are refused', async () => {
      const preflight = await request(closed.getHttpServer()).options('/v1/messages').set('origin', ALLOWED_ORIGIN)
        .set('access-control-request-method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await request(closed.getHttpServer()).get('/v1/messages').set('origin', ALLOWED_ORIGIN).set('x-api-key', TEST_API_KEY);
      expect(simple.status).toBe(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
