import { mkdirSync } from 'node:fs';
import { METHODS } from 'node:http';
import { join } from 'node:path';
import type { Browser, Locator, Page, Response } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { startSystem, RunningSystem, TEST_API_KEY } from './support/system';
import { waitFor } from './support/wait-for';

/**
 * Swagger UI, driven in a real Chromium the way a person would use it: authorize with the API key,
 * try POST /v1/messages and follow the message it created to `delivered`. Also checks that the
 * OpenAPI document behind it describes every route the app serves and how each is secured.
 */

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'swagger-try-it-out.png');
/** Written only when the browser test fails, to show where the UI was. */
const FAILURE_SCREENSHOT = join(ARTIFACTS, 'swagger-ui-failure.png');
const UI_TIMEOUT_MS = 15000;
const REQUEST_BODY = '{"to":"+5511987654321","body":"hello from Swagger"}';
const API_KEY_SCHEME = 'api-key';
/** Routes SwaggerModule.setup('docs', …) adds for the UI itself: /docs, /docs/*, /docs-json, /docs-yaml. */
const SWAGGER_OWN_ROUTE = /^\/docs(?:[-/].*)?$/;
const ALL_EXPRESS_METHODS = METHODS.length;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface OpenApiOperation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], OpenApiOperation>>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
}
/** The bits of an Express 5 router layer we read. */
interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `/v1/messages/:id` (Express) → `/v1/messages/{id}` (OpenAPI). */
const toOpenApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('Swagger UI at /docs (real Chromium, API, worker, RabbitMQ, FerretDB, Twilio sandbox)', () => {
  let system: RunningSystem;
  let browser: Browser | undefined;
  let page: Page;

  const getMessage = async (id: string) =>
    (await system.http().get(`/v1/messages/${id}`).set('x-api-key', TEST_API_KEY).expect(200)).body;

  beforeAll(async () => {
    system = await startSystem();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    page = await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await system?.close();
    }
  });

  it('authorizes with the API key, tries POST /v1/messages and the message gets delivered', () => keepScreenshotOnFailure(page, async () => {
    // 1. The UI renders the operations from /docs-json.
    await page.goto(`${system.baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor({ state: 'visible' });
    await page.locator('.info .title', { hasText: 'NotifyX SMS API' }).waitFor();

    // 2. Authorize: the api-key scheme, typed in and applied, then the dialog closed.
    const authorizeButton = page.locator('.auth-wrapper').getByRole('button', { name: 'Authorize', exact: true });
    await authorizeButton.click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor({ state: 'visible' });
    const apiKeyScheme = dialog.locator('.auth-container').filter({
      has: page.locator('h4 > code', { hasText: new RegExp(`^${API_KEY_SCHEME}$`) }),
    });
    await apiKeyScheme.getByLabel('Value:').fill(TEST_API_KEY);
    await apiKeyScheme.locator('.auth-btn-wrapper').getByText('Authorize', { exact: true }).click();
    // Once applied Swagger UI says so and offers Logout instead of Authorize.
    await apiKeyScheme.getByRole('heading', { name: 'Authorized' }).waitFor();
    await apiKeyScheme.locator('.auth-btn-wrapper').getByText('Logout', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('.auth-wrapper .btn.authorize.locked').waitFor();

    // 3. POST /v1/messages: expand, Try it out, our body instead of the example, Execute.
    const operation = page.locator('#operations-messages-MessagesController_send');
    await operation.locator('.opblock-summary-control').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const bodyEditor = operation.locator('textarea.body-param__text');
    await bodyEditor.waitFor({ state: 'visible' });
    expect(JSON.parse(await bodyEditor.inputValue())).toHaveProperty('to'); // the example it starts with
    await bodyEditor.fill(REQUEST_BODY);
    expect(await bodyEditor.inputValue()).toBe(REQUEST_BODY);

    const sent = await execute(page, operation, (response) =>
      response.url() === `${system.baseUrl}/v1/messages` && response.request().method() === 'POST');
    // What the browser really sent: the key from the Authorize dialog and the edited body.
    expect(await sent.request().headerValue('x-api-key')).toBe(TEST_API_KEY);
    expect(sent.request().postDataJSON()).toEqual(JSON.parse(REQUEST_BODY));

    // 4. The live response section shows 202 and the JSON body.
    const liveResponse = operation.locator('.live-responses-table tbody tr.response');
    await liveResponse.waitFor({ state: 'visible' });
    expect((await liveResponse.locator('.response-col_status').innerText()).trim()).toBe('202');
    const shownBody = liveResponse.locator('.response-col_description .highlight-code pre');
    await shownBody.waitFor({ state: 'visible' });
    const shownText = await shownBody.innerText();
    expect(shownText).toContain('"status": "queued"');
    const accepted = JSON.parse(shownText) as { id: string; status: string; to: string };
    expect(accepted).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{24}$/), status: 'queued', to: '+5511987654321' });

    // 6. Evidence for people: the page right after Execute, scrolled to the live response.
    await scrollIntoView(liveResponse);
    await page.screenshot({ path: SCREENSHOT });

    // The message the UI created exists in the API and goes all the way to delivered.
    const stored = await getMessage(accepted.id);
    expect(stored).toMatchObject({ id: accepted.id, to: '+5511987654321', body: 'hello from Swagger' });
    const delivered = await waitFor('the Swagger UI message to be delivered', async () => {
      const message = await getMessage(accepted.id);
      return message.status === 'delivered' && message;
    });
    expect(delivered.twilioSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(system.sandbox.messages().find((message) => message.sid === delivered.twilioSid))
      .toMatchObject({ to: '+5511987654321', body: 'hello from Swagger' });
  }));

  describe('/docs-json', () => {
    let doc: OpenApiDocument;
    beforeAll(async () => {
      doc = (await system.http().get('/docs-json').expect(200)).body as OpenApiDocument;
    });

    const operations = () => Object.entries(doc.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item[method]).map((method) => ({ path, method, op: item[method] as OpenApiOperation })));

    it('documents every route the app serves, and nothing it does not', () => {
      const express = system.api.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
      const served = express.router.stack.flatMap(({ route }) => {
        // Middleware bound to '*' (nestjs-pino's forRoutes('*')) is mounted by Nest 11 on Express 5
        // with app.all('/{*path}'): a route for every HTTP method, not an endpoint of the app.
        if (!route || Object.keys(route.methods).length >= ALL_EXPRESS_METHODS) return [];
        const paths = Array.isArray(route.path) ? route.path : [route.path];
        return paths.filter((path) => !SWAGGER_OWN_ROUTE.test(path)).flatMap((path) =>
          Object.keys(route.methods).filter((method) => route.methods[method]).map((method) => `${method} ${toOpenApiPath(path)}`));
      });
      const documented = operations().map(({ path, method }) => `${method} ${path}`);
      expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());

      // The routes this spec was written against, so an empty router or document cannot pass.
      expect(documented).toEqual(expect.arrayContaining([
        'get /v1/messages', 'post /v1/messages', 'get /v1/messages/{id}', 'post /v1/messages/test-sms',
        'get /v1/audit', 'post /v1/webhooks/twilio/status', 'get /health',
      ]));
    });

    it(`requires the ${API_KEY_SCHEME} scheme on every /v1 operation except the Twilio webhooks`, () => {
      const guarded = operations().filter(({ path }) => path.startsWith('/v1/') && !path.startsWith('/v1/webhooks/'));
      expect(guarded.length).toBeGreaterThan(0);
      for (const { path, method, op } of guarded) {
        expect({ route: `${method} ${path}`, security: op.security })
          .toEqual({ route: `${method} ${path}`, security: expect.arrayContaining([{ [API_KEY_SCHEME]: [] }]) });
      }
    });

    it('documents 202, 400, 401 and 429 with a schema for POST /v1/messages', () => {
      const send = doc.paths['/v1/messages']?.post;
      expect(send?.operationId).toBe('MessagesController_send');
      for (const code of ['202', '400', '401', '429']) {
        const schema = send?.responses[code]?.content?.['application/json']?.schema;
        expect({ code, schema }).toEqual({ code, schema: expect.any(Object) });
        const ref = schema?.$ref;
        if (ref) expect({ code, resolved: doc.components?.schemas?.[ref.replace('#/components/schemas/', '')] })
          .toEqual({ code, resolved: expect.objectContaining({ type: 'object' }) });
      }
    });

    it('lists each header parameter once (header names are case-insensitive)', () => {
      for (const { path, method, op } of operations()) {
        const headers = (op.parameters ?? []).filter((parameter) => parameter.in === 'header')
          .map((parameter) => parameter.name.toLowerCase());
        const repeated = headers.filter((name, index) => headers.indexOf(name) !== index);
        expect({ route: `${method} ${path}`, repeated }).toEqual({ route: `${method} ${path}`, repeated: [] });
      }
    });

    it(`declares ${API_KEY_SCHEME} as an API key read from the x-api-key header`, () => {
      expect(doc.components?.securitySchemes?.[API_KEY_SCHEME]).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    });
  });
});

/**
 * Clicks Execute and returns the response of the request it sends. Swagger UI sends nothing when
 * its own checks fail (a required parameter left empty): then this fails with what the UI listed.
 */
async function execute(page: Page, operation: Locator, isTheRequest: (response: Response) => boolean): Promise<Response> {
  const validationErrors = operation.locator('.validation-errors');
  const response = page.waitForResponse(isTheRequest);
  await operation.getByRole('button', { name: 'Execute' }).click();
  const outcome = await Promise.race([
    response.then((sent) => ({ sent })),
    validationErrors.waitFor({ state: 'visible' }).then(async () => ({ refused: await validationErrors.innerText() })),
  ]);
  if ('refused' in outcome) {
    throw new Error(`Swagger UI did not send the request: ${outcome.refused.replace(/\s+/g, ' ').trim()}`);
  }
  return outcome.sent;
}

async function keepScreenshotOnFailure(page: Page, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
    throw error;
  }
}

async function scrollIntoView(locator: Locator): Promise<void> {
  await locator.evaluate((element) => element.scrollIntoView({ block: 'center' }));
}
