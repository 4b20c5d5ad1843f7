import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'nx_';
/** `nx_` + 32 random bytes in base64url (43 characters, no padding). */
const STORED_KEY_FORMAT = /^nx_[A-Za-z0-9_-]{43}$/;

/** 256 bits of randomness: unguessable, so a fast hash (not a password KDF) is enough to store it. */
export function generateApiKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** Keys are stored and looked up only by this; the key itself never reaches the database or the logs. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Lets obvious garbage be refused without a database round trip. */
export function looksLikeStoredKey(key: string): boolean {
  return STORED_KEY_FORMAT.test(key);
}
