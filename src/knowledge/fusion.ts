/**
 * Hybrid fusion: a convex combination of min-max normalised scores (BM25 from the full-text list, cosine
 * similarity from the vector list), plus a boost for chunks that contain the query's identifiers.
 *
 * Why not reciprocal rank fusion: RRF throws the scores away, so a weak vector list (near-equal cosines)
 * pulls lexical's exact hits down as much as a confident one would, and a chunk only the vector list
 * finds can never outrank one both lists rank low. Normalised scores keep how far ahead a hit is.
 *
 * The constants below were chosen on the tuning half of the labelled set only (bench/knowledge: the
 * questions whose id hashes even, see bench/knowledge/split.ts), by a grid over the weight (0.1–0.9),
 * the normalisation (min-max, z-score, divide-by-max), the candidate pool (20/40/100) and the boost
 * (0–1), maximising recall@5 + MRR/2; the held-out half was scored once afterwards. Min-max and z-score
 * were within noise of each other; min-max is simpler and bounded, which keeps the boost's scale meaningful.
 */

/** Weight of the lexical score; the vector score gets the rest. Above 0.5: exact words are the stronger evidence. */
const LEXICAL_WEIGHT = 0.6;
/**
 * Added (scaled by the share of the query's identifiers the chunk contains) to the fused score, which
 * lies in [0, 1]: a query naming order 4521 keeps the chunks saying 4521 above near-misses like 4512.
 */
const IDENTIFIER_BOOST = 1;
/** Candidates each list contributes at least (more when the caller asks for more hits). */
export const MIN_FUSION_CANDIDATES = 40;

export interface Scored<T> {
  item: T;
  /** Higher is better, on the list's own scale (BM25, cosine similarity). */
  score: number;
}

export interface FusionOptions<T> {
  key: (item: T) => string;
  /** The searchable text of an item, to look for the query's identifiers in. */
  text: (item: T) => string;
  /** Identifiers in the query (identifierTokens), lower case. */
  identifiers: readonly string[];
  lexicalWeight?: number;
  identifierBoost?: number;
}

/** Fuses the lexical and vector lists (each best first) into one, best first, scores in [0, 1 + boost]. */
export function fuseScores<T>(
  lexical: ReadonlyArray<Scored<T>>,
  vector: ReadonlyArray<Scored<T>>,
  options: FusionOptions<T>,
): Array<Scored<T>> {
  const weight = options.lexicalWeight ?? LEXICAL_WEIGHT;
  const boost = options.identifierBoost ?? IDENTIFIER_BOOST;
  const words = normalise(lexical, options.key);
  const meaning = normalise(vector, options.key);
  const items = new Map<string, T>();
  for (const { item } of [...lexical, ...vector]) if (!items.has(options.key(item))) items.set(options.key(item), item);
  const fused = [...items].map(([id, item], order) => {
    // Missing from a list: as if at that list's bottom (normalised 0), not unknown.
    let score = weight * (words.get(id) ?? 0) + (1 - weight) * (meaning.get(id) ?? 0);
    if (boost > 0 && options.identifiers.length > 0)
      score += boost * identifierShare(options.text(item), options.identifiers);
    return { item, score, order };
  });
  // Ties keep first-seen order (lexical first): deterministic, and exact matches win ties.
  return fused.sort((a, b) => b.score - a.score || a.order - b.order).map(({ item, score }) => ({ item, score }));
}

/**
 * Tokens that identify something (an order 4521, a claim WC-4380, a time 3pm): at least three
 * characters with a digit in them. Short numbers ("3 weeks") are too common to single out a chunk.
 */
export function identifierTokens(text: string): string[] {
  const tokens = tokenize(text).filter((token) => token.length >= 3 && /\d/.test(token));
  return [...new Set(tokens)];
}

function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu) ?? [];
}

/** The share of `identifiers` that occur as whole tokens of `text`. */
function identifierShare(text: string, identifiers: readonly string[]): number {
  const tokens = new Set(tokenize(text));
  return identifiers.filter((identifier) => tokens.has(identifier)).length / identifiers.length;
}

/** Min-max to [0, 1]; a list whose scores are all equal maps to 1 (every hit is as good as the best). */
function normalise<T>(list: ReadonlyArray<Scored<T>>, key: (item: T) => string): Map<string, number> {
  const scores = list.map(({ score }) => score).filter(Number.isFinite);
  const min = Math.min(...scores);
  const span = Math.max(...scores) - min;
  const normalised = new Map<string, number>();
  for (const { item, score } of list)
    if (Number.isFinite(score)) normalised.set(key(item), span > 0 ? (score - min) / span : 1);
  return normalised;
}
