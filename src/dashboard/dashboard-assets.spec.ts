import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadDashboardAssets, publicDir, serveAssets } from './dashboard-assets';

function call(handler: ReturnType<typeof serveAssets>, method: string, url: string, headers: Record<string, string> = {}) {
  const sent: { status?: number; headers: Record<string, unknown>; body?: Buffer; next: boolean } = { headers: {}, next: false };
  const response = {
    statusCode: 200,
    setHeader: (name: string, value: unknown) => (sent.headers[name] = value),
    end: (body?: Buffer) => {
      sent.status = response.statusCode;
      sent.body = body;
    },
  };
  handler({ method, url, headers } as IncomingMessage, response as unknown as ServerResponse, () => (sent.next = true));
  return sent;
}

describe('dashboard assets', () => {
  const assets = loadDashboardAssets();
  const handler = serveAssets(assets);

  it('finds the page beside the code and Chart.js in its npm package', () => {
    expect(publicDir()).toMatch(/dashboard[/\\]public$/);
    expect([...assets.keys()]).toEqual(['/', '/index.html', '/dashboard.js', '/dashboard.css', '/vendor/chart.umd.min.js']);
    expect(assets.get('/vendor/chart.umd.min.js')!.body.length).toBeGreaterThan(100_000);
  });

  it('serves a listed file with its type and an ETag, and 304 when the browser has it', () => {
    const first = call(handler, 'GET', '/dashboard.js?v=1');
    expect(first).toMatchObject({ status: 200, next: false });
    expect(first.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const again = call(handler, 'GET', '/dashboard.js', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(call(handler, 'HEAD', '/').body).toBeUndefined();
  });

  it('passes everything else on: other paths, other methods, no file-system lookups', () => {
    for (const [method, url] of [['GET', '/../package.json'], ['GET', '/dashboard-assets.js'], ['POST', '/'], ['GET', '/vendor/']]) {
      expect({ method, url, next: call(handler, method, url).next }).toEqual({ method, url, next: true });
    }
  });
});
