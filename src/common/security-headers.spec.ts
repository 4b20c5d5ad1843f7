import type { Request, Response } from 'express';
import helmet from 'helmet';
import { securityHeaders } from './security-headers';

const options = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };

/** A response that keeps its headers as a plain map, starting with what Express sets. */
function response(): Response & { headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = { 'x-powered-by': 'Express' };
  return {
    headers,
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = value),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  } as unknown as Response & { headers: Record<string, unknown> };
}

describe('securityHeaders', () => {
  it('leaves every response with exactly the headers helmet itself gives it', () => {
    const byHelmet = response();
    const replayed = response();
    helmet(options)({} as Request, byHelmet, () => undefined);
    const next = jest.fn();
    securityHeaders(options)({} as Request, replayed, next);
    expect(next).toHaveBeenCalledWith();
    expect(replayed.headers).toEqual(byHelmet.headers);
    expect(replayed.headers['x-powered-by']).toBeUndefined();
    expect(replayed.headers['content-security-policy']).toContain("default-src 'self'");
  });
});
