/**
 * Token-ish splitting. Real tokens average ~4 characters of English, so pieces of a few characters give
 * streams with a realistic number of deltas without shipping a tokenizer.
 */

const TEXT_PIECE = / ?\S{1,4}|\s+/g;

/** Split text into pieces of at most a few characters (a leading space rides with its word); they concatenate back to the input. */
export function splitTextIntoTokens(text: string): string[] {
  return text.match(TEXT_PIECE) ?? [];
}

/** Split serialized JSON into fragments like the API's `input_json_delta.partial_json` (not on token boundaries). */
export function splitJsonIntoFragments(json: string, fragmentLength = 6): string[] {
  const fragments: string[] = [];
  for (let at = 0; at < json.length; at += fragmentLength) {
    fragments.push(json.slice(at, at + fragmentLength));
  }
  return fragments;
}

/** Rough token count (~4 chars per token), never 0 for non-empty input. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
