import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { describeTwilioError } from '../src/sms/twilio-errors';
import { brMobile, deliveryKit, DeliveryKit } from './support/delivery-kit';
import { RunningSystem, startSystem, TEST_API_KEY } from './support/system';

/**
 * The operations dashboard in a real Chromium, after real sends through RabbitMQ, FerretDB and
 * the Twilio sandbox: the key is typed in, the charts draw the report's figures, the failure
 * table explains 21211, the queue and dead-letter panels fill, and the range selector re-reads.
 */

const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard.png');
const FAILURE_SCREENSHOT = join(ARTIFACTS, 'dashboard-failure.png');
const UI_TIMEOUT_MS = 15000;
const MAX_ATTEMPTS = 2;
const INVALID_NUMBER = '+15005550001'; // the sandbox answers 21211, as Twilio's test credentials do

/** What Chart.js holds for a canvas: the numbers it drew. */
type ChartData = { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> };
/** The page's globals these checks read; the test is compiled without the DOM library. */
type PageGlobals = {
  document: { body: { dataset: Record<string, string | undefined> } };
  sessionStorage: { length: number };
  Chart: { getChart(id: string): { data: ChartData } | undefined };
};

describe('Operations dashboard at /dashboard (real Chromium, API, worker, RabbitMQ, FerretDB, Twilio sandbox)', () => {
  let system: RunningSystem;
  let kit: DeliveryKit;
  let browser: Browser | undefined;
  let page: Page;
  const browserErrors: string[] = [];

  const chartData = (id: string) =>
    page.evaluate((canvasId) => {
      const chart = (globalThis as unknown as PageGlobals).Chart.getChart(canvasId);
      return chart ? { labels: chart.data.labels, datasets: chart.data.datasets.map(({ label, data }) => ({ label, data })) } : null;
    }, id) as Promise<ChartData | null>;
  const sum = (values: Array<number | null>) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
  const text = async (selector: string) => (await page.locator(selector).innerText()).trim();
  const loaded = async (action: () => Promise<unknown>) => {
    const before = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.loads ?? '0');
    await action();
    await page.waitForFunction((count) => {
      const { dataset } = (globalThis as unknown as PageGlobals).document.body;
      return dataset.state !== 'loading' && (dataset.loads ?? '0') !== count;
    }, before);
  };

  beforeAll(async () => {
    system = await startSystem({ env: { SMS_MAX_ATTEMPTS: String(MAX_ATTEMPTS), SMS_RETRY_BASE_MS: '50', SMS_RETRY_MAX_MS: '100' } });
    kit = deliveryKit(system);
    const delivered = [brMobile(72000001), brMobile(72000002), brMobile(72000003)];
    const undelivered = brMobile(72000004);
    const deadLettered = brMobile(72000005);
    await kit.fault(undelivered, 'undelivered', 1, 30003);
    await kit.fault(deadLettered, '20429', 0);
    const ids: string[] = [];
    for (const to of [...delivered, undelivered, deadLettered, INVALID_NUMBER, INVALID_NUMBER]) {
      ids.push((await kit.post({ to, body: `dashboard ${to}` }).expect(202)).body.id);
    }
    for (const id of ids) await kit.until(id, ['delivered', 'undelivered', 'failed']);
    await kit.clearFaults();

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    page = await context.newPage();
    // Script errors and CSP refusals; an HTTP error answer (a range the API refuses) is the page's to show.
    page.on('console', (message) => message.type() === 'error' && !message.text().startsWith('Failed to load resource')
      && browserErrors.push(message.text()));
    page.on('pageerror', (error) => browserErrors.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await system?.close();
    }
  });

  describe('what the server sends', () => {
    it('serves the page and its scripts from this origin, under helmet\'s Content-Security-Policy', async () => {
      for (const path of ['/dashboard', '/dashboard/']) {
        const response = await system.http().get(path).expect(200);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
        expect(response.text).toContain('<script src="/dashboard/dashboard.js" defer></script>');
        expect(response.text).not.toMatch(/<script>|<script [^>]*src="https?:/);
      }
      const chartJs = await system.http().get('/dashboard/vendor/chart.umd.min.js').expect(200);
      expect(chartJs.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(chartJs.text).toContain('Chart');
      const script = await system.http().get('/dashboard/dashboard.js').expect(200);
      await system.http().get('/dashboard/dashboard.js').set('if-none-match', script.headers.etag).expect(304);
    });

    it('serves nothing else under /dashboard and needs no key for the page itself', async () => {
      await system.http().get('/dashboard/../package.json').expect(404);
      await system.http().get('/dashboard/dashboard-assets.js').expect(404);
      const missing = await system.http().get('/dashboard/nope.js').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404 });
      await system.http().post('/dashboard/').expect(404);
    });
  });

  describe('in the browser', () => {
    it('asks for a key, then draws the figures of the real sends', () => keepScreenshotOnFailure(page, async () => {
      await page.goto(`${system.baseUrl}/dashboard`);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.state === 'locked');
      expect(await text('#status')).toContain('Enter an API key');

      await loaded(async () => {
        await page.locator('#api-key').fill(TEST_API_KEY);
        await page.locator('#connect').click();
      });
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.state)).toBe('ready');

      // Totals: 7 messages, 3 delivered, 3 failed (2 × 21211, 1 × 20429 given up), 1 undelivered (30003).
      expect(await text('#kpi-messages')).toBe('7');
      expect(await text('#kpi-delivered')).toBe('3');
      expect(await text('#kpi-failed')).toBe('4');
      expect(await text('#kpi-rate')).toBe('42.9 %');
      expect(await text('#kpi-median')).toMatch(/^\d+(\.\d)? (ms|s)$/);

      // Every chart drew, from the report's numbers.
      for (const id of ['chart-volume', 'chart-rate', 'chart-status', 'chart-failures']) {
        const size = await page.locator(`#${id}`).evaluate((canvas) => {
          const { width, height } = canvas as unknown as { width: number; height: number };
          return width * height;
        });
        expect({ id, drawn: size > 0 }).toEqual({ id, drawn: true });
      }
      const volume = await chartData('chart-volume');
      const byOutcome = Object.fromEntries(volume!.datasets.map((set) => [set.label.split(' ')[0], sum(set.data)]));
      expect(byOutcome).toEqual({ delivered: 3, undelivered: 1, failed: 3, other: 0 });
      expect(volume!.labels).toContain(new Date().toISOString().slice(0, 10));
      const status = await chartData('chart-status');
      expect(Object.fromEntries(status!.labels.map((label, i) => [label, status!.datasets[0].data[i]])))
        .toEqual({ delivered: 3, failed: 3, undelivered: 1 });
      const failures = await chartData('chart-failures');
      expect(failures!.labels[0]).toBe('21211');
      expect(failures!.datasets[0].data[0]).toBe(2);

      // The failure reasons table explains 21211 with the catalogue's words.
      const invalid = page.locator('#failure-reasons tbody tr[data-error-code="21211"]');
      expect(await invalid.locator('td.reason').innerText()).toBe(describeTwilioError(21211).title);
      expect(await invalid.locator('td.meaning').innerText()).toBe(describeTwilioError(21211).description);
      expect((await invalid.locator('td.num').first().innerText()).trim()).toBe('2');
      expect(await page.locator('#failure-reasons tbody tr[data-error-code="30003"]').count()).toBe(1);

      // Queues from RabbitMQ and the dead letter the 20429 left behind.
      const main = page.locator('#queues tbody tr[data-role="main"]');
      expect((await main.locator('td').nth(0).innerText()).trim()).toBe(system.queue);
      expect((await main.locator('td').nth(3).innerText()).trim()).toBe('1');
      expect(await page.locator('#dead-letters tbody tr:not(.empty)').count()).toBe(1);
      expect(await page.locator('#dead-letters tbody tr').first().innerText()).toContain('20429');

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(browserErrors).toEqual([]);
    }));

    it('re-reads the figures for the range picked', () => keepScreenshotOnFailure(page, async () => {
      await page.locator('#range').selectOption('custom');
      await loaded(async () => {
        await page.locator('#from').fill('2020-01-01');
        await page.locator('#to').fill('2020-01-07');
        await page.locator('#to').dispatchEvent('change');
      });
      expect(await text('#kpi-messages')).toBe('0');
      expect(await text('#status')).toContain('2020-01-01 00:00 → 2020-01-08 00:00 UTC');
      expect((await chartData('chart-volume'))!.labels).toEqual(
        ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04', '2020-01-05', '2020-01-06', '2020-01-07']);
      expect(await text('#failure-reasons tbody')).toContain('No failed or undelivered messages');

      await loaded(() => page.locator('#range').selectOption('1'));
      expect(await text('#kpi-messages')).toBe('7');
      expect(browserErrors).toEqual([]);
    }));

    it('says so when the key is refused, and forgets it on request', () => keepScreenshotOnFailure(page, async () => {
      await page.locator('#forget').click();
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.state === 'locked');
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length)).toBe(0);
      await loaded(async () => {
        await page.locator('#api-key').fill('not-a-key-anyone-has');
        await page.locator('#connect').click();
      });
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.state)).toBe('error');
      expect(await text('#status')).toContain('The API key was refused');
    }));

    it("shows a project's key its own project only, and no queues", () => keepScreenshotOnFailure(page, async () => {
      const admin = (path: string, body: object) => system.http().post(path).set('x-api-key', TEST_API_KEY).send(body);
      const { id } = (await admin('/v1/projects', { name: 'dashboard-team' }).expect(201)).body as { id: string };
      const { key } = (await admin('/v1/api-keys', { name: 'dashboard-team', scopes: ['admin', 'messages:read', 'messages:send'], projectId: id }).expect(201)).body as { key: string };
      const own = deliveryKit(system, key);
      await own.until((await own.post({ to: brMobile(72000006), body: 'the team\'s own' }).expect(202)).body.id, ['delivered']);

      await page.locator('#forget').click();
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.state === 'locked');
      await loaded(async () => {
        await page.locator('#api-key').fill(key);
        await page.locator('#connect').click();
      });
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.state)).toBe('ready');
      expect(await text('#kpi-messages')).toBe('1');
      expect(await text('#kpi-delivered')).toBe('1');
      expect(await text('#queues tbody')).toContain('shown to root project keys only');
      expect(await page.locator('#dead-letters tbody tr:not(.empty)').count()).toBe(0);
      expect(browserErrors).toEqual([]);
    }));
  });
});

async function keepScreenshotOnFailure(page: Page, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => undefined);
    throw error;
  }
}
