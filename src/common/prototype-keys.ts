/**
 * Keys that name an object's prototype machinery. As keys of a free-form map (metadata, template
 * variables) they are refused: code that later merges or reads such a map must not find them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
