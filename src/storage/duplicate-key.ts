/**
 * MongoDB's duplicate key error (E11000). Two concurrent upserts of one `_id` can both miss and
 * both insert; the loser gets this error although the document it wanted is there.
 */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** Inserting what is already there is the expected outcome of a redelivery, not an error. */
export async function ignoringDuplicate(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}
