import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until `check` returns a value that is not undefined/false, or fails naming what it waited
 * for. Raise `intervalMs` for checks that are heavy for the store (aggregates over many messages).
 */
export async function waitFor<T>(
  what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20000, intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
