import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * True when `authorization` is `Bearer <token>`. Compared as SHA-256 digests in constant time, so
 * neither the length nor the matching prefix of a guess shows in the response time.
 */
export function bearerMatches(authorization: string | string[] | undefined, token: string | undefined): boolean {
  if (!token || typeof authorization !== 'string') return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}
