/**
 * The part of a chunk worth showing next to a hit: a window of about `width` characters around the
 * densest cluster of the query's words (prefix matches, so "refund" marks "refunded"), cut at word
 * boundaries with an ellipsis where text was left out. A hit found by meaning alone, with none of
 * the words, shows its beginning.
 */
const DEFAULT_WIDTH = 240;
const MIN_TERM = 3;

function terms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  // Short words (a, of, to) would match everywhere; a stem of long ones matches their inflections.
  return [...new Set(words.filter((w) => w.length >= MIN_TERM || /^\d+$/.test(w)).map((w) => w.slice(0, 6)))];
}

export function snippet(text: string, query: string, width = DEFAULT_WIDTH): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  const wanted = terms(query);
  const lower = flat.toLowerCase();
  const positions: number[] = [];
  for (const word of lower.matchAll(/[\p{L}\p{N}]+/gu))
    if (wanted.some((term) => word[0].startsWith(term))) positions.push(word.index);
  let start = 0;
  if (positions.length > 0) {
    // The window start (a match) that covers the most matches within `width`.
    let best = 0;
    let bestCount = 0;
    for (let i = 0, j = 0; i < positions.length; i++) {
      while (j < positions.length && positions[j]! < positions[i]! + width * 0.8) j++;
      if (j - i > bestCount) [best, bestCount] = [i, j - i];
    }
    // Some context before the first match.
    start = Math.max(0, positions[best]! - Math.floor(width * 0.2));
  }
  let end = Math.min(flat.length, start + width);
  start = Math.max(0, end - width);
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space !== -1 && space < start + 20) start = space + 1;
  }
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > end - 20) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
