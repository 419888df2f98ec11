/**
 * Reciprocal rank fusion (Cormack et al., 2009): each list contributes 1 / (k + rank) per item, so an
 * item ranked well by both the lexical and the vector search rises, and neither list's raw scores
 * (BM25 vs cosine, incomparable scales) need calibrating. k = 60 is the paper's and LanceDB's default.
 */
const RRF_K = 60;

export function reciprocalRankFusion<T>(
  lists: ReadonlyArray<readonly T[]>,
  key: (item: T) => string,
  k = RRF_K,
): Array<{ item: T; score: number }> {
  const fused = new Map<string, { item: T; score: number; best: number }>();
  for (const list of lists)
    list.forEach((item, index) => {
      const id = key(item);
      const entry = fused.get(id);
      const score = 1 / (k + index + 1);
      if (entry) {
        entry.score += score;
        entry.best = Math.min(entry.best, index);
      } else fused.set(id, { item, score, best: index });
    });
  // Ties (same summed score) go to the better single rank, then stay in first-seen order.
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best)
    .map(({ item, score }) => ({ item, score }));
}
