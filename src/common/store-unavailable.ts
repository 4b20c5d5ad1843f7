/** Errors the MongoDB driver and mongoose raise when the store cannot be reached at all. */
const UNREACHABLE = new Set([
  'MongoServerSelectionError', 'MongooseServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError',
  'MongoNotConnectedError', 'MongoPoolClearedError', 'MongoTopologyClosedError',
]);

/**
 * True when the store was unreachable: the request may not have reached it, and nothing is wrong
 * with the request itself. A bulk write that failed without a single write error never got there.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNREACHABLE.has(error.name)) return true;
  const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
  return error.name === 'MongoBulkWriteError' && (!Array.isArray(writeErrors) || writeErrors.length === 0);
}
