/**
 * Keys that name an object's prototype machinery. Refused in request bodies, RabbitMQ payloads and
 * free-form maps (metadata, template variables): code that later merges or reads them must not find them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first prototype key anywhere in a parsed value (own keys only), or undefined. */
export function findPrototypeKey(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) return key;
    const nested = findPrototypeKey((value as Record<string, unknown>)[key], depth + 1);
    if (nested) return nested;
  }
  return undefined;
}
