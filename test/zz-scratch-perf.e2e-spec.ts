import { chromium } from 'playwright-core';
import { RunningSystem, startSystem } from './support/system';
describe('perf', () => {
  let system: RunningSystem;
  beforeAll(async () => { system = await startSystem({ worker: false }); });
  afterAll(async () => { await system?.close(); });
  it('times', async () => {
    let t = Date.now();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    console.log('launch', Date.now() - t); t = Date.now();
    const page = await browser.newPage();
    console.log('page', Date.now() - t); t = Date.now();
    page.on('requestfinished', (r) => console.log('req', Date.now() - t, r.url()));
    page.on('console', (m) => console.log('console', m.text().slice(0, 200)));
    await page.goto(`${system.baseUrl}/docs`);
    console.log('goto', Date.now() - t); t = Date.now();
    await page.locator('#operations-api-keys-ApiKeysController_create').waitFor();
    console.log('op', Date.now() - t);
    await browser.close();
  });
});
