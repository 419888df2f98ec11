/**
 * Meaningful, deterministic embeddings without a model: a SIF-weighted average of word vectors (frequent
 * words count little), mapped isometrically into the requested dimension, plus a stable pseudo-random
 * direction for each token the vocabulary lacks and for every number — so "order 4521" and "order 4512"
 * differ while "refund" and "reimbursement" stay close. L2-normalised, as Voyage's vectors are.
 */
import { seededRandom } from '../shared/seeded-random';
import { WORD_DIMENSIONS, type WordVectors } from './word-vectors';

/** SIF's `a` over a Zipf estimate of word probability, p(rank) ≈ 0.075 / (rank + 1): weight = r / (r + 75). */
const SIF_RANK_OFFSET = 75;
/** Words the vocabulary lacks are rare (names, brands): telling, but without a known meaning to share. */
const UNKNOWN_WORD_WEIGHT = 0.6;
/** Long numbers identify (orders, invoices); short ones are quantities, times and dates, common and vague. */
const IDENTIFIER_WEIGHT = 1;
const SHORT_NUMBER_WEIGHT = 0.35;
/** How many hashed directions are remembered per dimension before the memo is cleared (bounds memory). */
const HASHED_MEMO_LIMIT = 50_000;
const PROJECTION_SEED = 0x5eed_0001;
/** How many dominant directions of frequent words are removed (SIF removes one; "all-but-the-top" a few). */
const COMMON_DIRECTIONS = 3;

/** Words with digits become one exact token ("4521", "45.99"); letters split on anything else; clitics apart. */
const TOKEN = /\d+(?:[.,:]\d+)*|[a-z]+(?:'[a-z]+)?/g;

function tokenize(text: string): string[] {
  const normalised = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  for (const match of normalised.matchAll(TOKEN)) {
    const token = match[0];
    const apostrophe = token.indexOf("'");
    if (apostrophe < 0) {
      tokens.push(token);
    } else if (token.endsWith("n't")) {
      tokens.push(token.slice(0, -3), "n't");
    } else {
      tokens.push(token.slice(0, apostrophe), token.slice(apostrophe));
    }
  }
  return tokens.filter((token) => token.length > 0);
}

export class TextEmbedder {
  private readonly projections = new Map<number, Float32Array>();
  private readonly hashed = new Map<number, Map<string, Float32Array>>();

  private readonly common: Float64Array[];

  constructor(private readonly words: WordVectors) {
    this.common = commonDirections(words, COMMON_DIRECTIONS);
  }

  /** A unit vector of `dimensions` components (any dimension ≥ 100). */
  embed(text: string, dimensions: number): Float32Array {
    const semantic = new Float64Array(WORD_DIMENSIONS);
    const out = new Float32Array(dimensions);
    for (const token of tokenize(text)) {
      const row = /\d/.test(token) ? undefined : this.words.rows.get(token);
      if (row === undefined) {
        const direction = this.hashedDirection(token, dimensions);
        const weight = hashedWeight(token);
        for (let d = 0; d < dimensions; d++) out[d]! += weight * direction[d]!;
        continue;
      }
      const rank = this.words.ranks[row]!;
      const weight = rank / (rank + SIF_RANK_OFFSET);
      const offset = row * WORD_DIMENSIONS;
      for (let d = 0; d < WORD_DIMENSIONS; d++) semantic[d]! += weight * this.words.vectors[offset + d]!;
    }
    // SIF's second step: what every sentence shares (the directions frequent words dominate) is no meaning.
    for (const direction of this.common) {
      let shared = 0;
      for (let k = 0; k < WORD_DIMENSIONS; k++) shared += semantic[k]! * direction[k]!;
      for (let k = 0; k < WORD_DIMENSIONS; k++) semantic[k]! -= shared * direction[k]!;
    }
    const projection = this.projection(dimensions);
    for (let d = 0; d < dimensions; d++) {
      let sum = 0;
      const offset = d * WORD_DIMENSIONS;
      for (let k = 0; k < WORD_DIMENSIONS; k++) sum += projection[offset + k]! * semantic[k]!;
      out[d]! += sum;
    }
    return normalise(out);
  }

  /**
   * A fixed `dimensions × 100` matrix with orthonormal columns: it preserves every angle of the 100-d
   * space, so the mapping adds no noise, whatever dimension the client asked for.
   */
  private projection(dimensions: number): Float32Array {
    const cached = this.projections.get(dimensions);
    if (cached) return cached;
    const random = seededRandom(PROJECTION_SEED + dimensions);
    const columns: Float64Array[] = [];
    for (let k = 0; k < WORD_DIMENSIONS; k++) {
      const column = Float64Array.from({ length: dimensions }, () => gaussian(random));
      for (const previous of columns) {
        let dot = 0;
        for (let d = 0; d < dimensions; d++) dot += column[d]! * previous[d]!;
        for (let d = 0; d < dimensions; d++) column[d]! -= dot * previous[d]!;
      }
      let norm = 0;
      for (let d = 0; d < dimensions; d++) norm += column[d]! ** 2;
      for (let d = 0; d < dimensions; d++) column[d]! /= Math.sqrt(norm);
      columns.push(column);
    }
    const matrix = new Float32Array(dimensions * WORD_DIMENSIONS);
    for (let d = 0; d < dimensions; d++)
      for (let k = 0; k < WORD_DIMENSIONS; k++) matrix[d * WORD_DIMENSIONS + k] = columns[k]![d]!;
    this.projections.set(dimensions, matrix);
    return matrix;
  }

  /** The same token always gets the same unit direction (seeded by its hash), nearly orthogonal to all others. */
  private hashedDirection(token: string, dimensions: number): Float32Array {
    let memo = this.hashed.get(dimensions);
    if (!memo) this.hashed.set(dimensions, (memo = new Map<string, Float32Array>()));
    const cached = memo.get(token);
    if (cached) return cached;
    const random = seededRandom(fnv1a(token));
    const direction = normalise(Float32Array.from({ length: dimensions }, () => gaussian(random)));
    if (memo.size >= HASHED_MEMO_LIMIT) memo.clear();
    memo.set(token, direction);
    return direction;
  }
}

/** The unit direction of the average word occurrence: Σ p(w)·sif(w)·v(w), with Zipf's p(w). */
function commonDirections(words: WordVectors, count: number): Float64Array[] {
  // The frequency-weighted second moment of the word vectors: its top eigenvectors are where frequent,
  // meaning-light words ("what", "anything", "do") put their weight.
  const moment = new Float64Array(WORD_DIMENSIONS * WORD_DIMENSIONS);
  for (let row = 0; row < words.ranks.length; row++) {
    const rank = words.ranks[row]!;
    const weight = (1 / (rank + 1)) * (rank / (rank + SIF_RANK_OFFSET)) ** 2;
    const offset = row * WORD_DIMENSIONS;
    for (let i = 0; i < WORD_DIMENSIONS; i++) {
      const vi = weight * words.vectors[offset + i]!;
      for (let j = 0; j < WORD_DIMENSIONS; j++) moment[i * WORD_DIMENSIONS + j]! += vi * words.vectors[offset + j]!;
    }
  }
  const directions: Float64Array[] = [];
  const random = seededRandom(PROJECTION_SEED);
  for (let c = 0; c < count; c++) {
    let vector = Float64Array.from({ length: WORD_DIMENSIONS }, () => gaussian(random));
    for (let iteration = 0; iteration < 100; iteration++) {
      const next = new Float64Array(WORD_DIMENSIONS);
      for (let i = 0; i < WORD_DIMENSIONS; i++)
        for (let j = 0; j < WORD_DIMENSIONS; j++) next[i]! += moment[i * WORD_DIMENSIONS + j]! * vector[j]!;
      for (const found of directions) {
        let dot = 0;
        for (let k = 0; k < WORD_DIMENSIONS; k++) dot += next[k]! * found[k]!;
        for (let k = 0; k < WORD_DIMENSIONS; k++) next[k]! -= dot * found[k]!;
      }
      const norm = Math.hypot(...next);
      vector = next.map((value) => value / norm);
    }
    directions.push(vector);
  }
  return directions;
}

function hashedWeight(token: string): number {
  if (!/\d/.test(token)) return UNKNOWN_WORD_WEIGHT;
  return token.replace(/\D/g, '').length >= 4 ? IDENTIFIER_WEIGHT : SHORT_NUMBER_WEIGHT;
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < vector.length; d++) vector[d]! *= scale;
  return vector;
}

/** Box–Muller: Gaussian components make random directions uniform on the sphere. */
function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
