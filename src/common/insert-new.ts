import type { Model } from 'mongoose';

/** The driver's report of an unordered insert that failed for some documents. */
interface BulkWriteFailure {
  writeErrors?: { code?: number }[] | { code?: number };
}

const DUPLICATE_KEY = 11000;

/**
 * One unordered, lean insert in which a document whose unique key is already stored is skipped,
 * not an error: for writes that may be repeated whole after a restart (a batch part expanded
 * twice), where the stored document is the one to keep. Any other failure is thrown.
 */
export async function insertNew<T>(model: Model<T>, docs: object[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await model.insertMany(docs, { ordered: false, lean: true });
  } catch (error) {
    const { writeErrors } = error as BulkWriteFailure;
    const failures = writeErrors === undefined ? [] : [writeErrors].flat();
    if (failures.length === 0 || failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
  }
}
