import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * The page's own files sit in `public/` beside this module: copied next to the compiled code when
 * the build copies assets, read from the source tree otherwise (the checkout `npm run build` runs in).
 */
export function publicDir(here = __dirname): string {
  const candidates = [join(here, 'public'), join(here, '..', '..', 'src', 'dashboard', 'public')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`dashboard files not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** chart.js from its npm package (its exports map hides dist/, so start from the main entry). */
function chartJsFile(): string {
  return join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');
}

function asset(file: string, contentType: string): Asset {
  const body = readFileSync(file);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every file the dashboard serves, by path under /dashboard, read once at start-up. */
export function loadDashboardAssets(dir = publicDir()): ReadonlyMap<string, Asset> {
  const page = asset(join(dir, 'index.html'), 'text/html; charset=utf-8');
  return new Map([
    ['/', page],
    ['/index.html', page],
    ['/dashboard.js', asset(join(dir, 'dashboard.js'), 'text/javascript; charset=utf-8')],
    ['/dashboard.css', asset(join(dir, 'dashboard.css'), 'text/css; charset=utf-8')],
    ['/vendor/chart.umd.min.js', asset(chartJsFile(), 'text/javascript; charset=utf-8')],
  ]);
}

/**
 * Serves a fixed list of files (no path is ever mapped to the file system, so nothing else can be
 * reached). Revalidated on each load, so a deploy is seen at once; 304 when unchanged.
 */
export function serveAssets(assets: ReadonlyMap<string, Asset>) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const path = (request.url ?? '/').split('?')[0];
    const found = assets.get(path);
    if (!found || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    response.setHeader('content-type', found.contentType);
    response.setHeader('etag', found.etag);
    response.setHeader('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === found.etag) {
      response.statusCode = 304;
      return void response.end();
    }
    response.setHeader('content-length', found.body.length);
    response.end(request.method === 'HEAD' ? undefined : found.body);
  };
}
