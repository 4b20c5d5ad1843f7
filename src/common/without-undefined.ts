/**
 * A copy without the fields that are undefined. Lean inserts (no Mongoose document) hand the
 * driver undefined fields, which it stores as null; a field not given should stay absent.
 */
export function withoutUndefined<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([, value]) => value !== undefined)) as T;
}
