/**
 * Splits texts into requests within a provider's limits: at most `maxTexts` per request and at most
 * `maxTokens` estimated tokens per request. Order is kept, so results concatenate back in input order.
 */
export interface BatchLimits {
  maxTexts: number;
  maxTokens: number;
}

/** Consecutive index ranges `[start, end)` of `tokenCounts`, each within the limits (a single text always fits alone). */
export function planBatches(tokenCounts: readonly number[], limits: BatchLimits): Array<[number, number]> {
  const batches: Array<[number, number]> = [];
  let start = 0;
  let tokens = 0;
  tokenCounts.forEach((count, index) => {
    const full = index - start >= limits.maxTexts || (index > start && tokens + count > limits.maxTokens);
    if (full) {
      batches.push([start, index]);
      start = index;
      tokens = 0;
    }
    tokens += count;
  });
  if (tokenCounts.length > start) batches.push([start, tokenCounts.length]);
  return batches;
}

/**
 * A conservative token estimate: tokenizers for English average ~4 characters a token, but numbers, codes
 * and other scripts run denser, so a UTF-8 byte count over 3 stays above the real count in practice.
 */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / 3));
}
