import type { EmbeddingProvider } from '../../src/knowledge/types';

/**
 * A test double of the embedding port whose vectors carry a little meaning: each word is mapped to a
 * concept through a small synonym table, each concept hashed to one of `dimensions` axes, and the
 * bag of concepts normalized. "money back" and "refund" then point the same way while sharing no
 * word, which is exactly what a hybrid search must find and a lexical one cannot.
 */
const SYNONYMS: Record<string, string[]> = {
  refund: ['refund', 'refunds', 'refunded', 'reimburse', 'reimbursement', 'money', 'back', 'repay'],
  delivery: ['delivery', 'deliver', 'shipping', 'ship', 'shipped', 'parcel', 'package', 'courier', 'arrive', 'arrived'],
  cancel: ['cancel', 'cancellation', 'terminate', 'stop', 'end'],
  price: ['price', 'cost', 'fee', 'charge', 'charged', 'expensive', 'bill', 'billing', 'invoice'],
  broken: ['broken', 'damaged', 'defective', 'faulty', 'cracked', 'smashed'],
  password: ['password', 'login', 'credentials', 'sign', 'locked'],
};
const STOP = new Set([
  'the',
  'a',
  'an',
  'my',
  'i',
  'to',
  'is',
  'was',
  'of',
  'and',
  'get',
  'can',
  'how',
  'do',
  'it',
  'for',
]);

const CONCEPT = new Map<string, string>();
for (const [concept, words] of Object.entries(SYNONYMS)) for (const word of words) CONCEPT.set(word, concept);

function axis(token: string, dimensions: number): number {
  let hash = 2166136261;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 16777619);
  return (hash >>> 0) % dimensions;
}

export function embedText(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (STOP.has(word)) continue;
    vector[axis(CONCEPT.get(word) ?? word, dimensions)]! += 1;
  }
  const norm = Math.hypot(...vector);
  // An empty text still needs a unit vector: cosine distance is undefined for zeros.
  if (norm === 0) vector[0] = 1;
  else for (let i = 0; i < dimensions; i++) vector[i]! /= norm;
  return vector;
}

export function synonymEmbedder(
  dimensions = 64,
  name = `test:synonyms-${dimensions}`,
): EmbeddingProvider & {
  calls: number;
} {
  return {
    name,
    dimensions,
    calls: 0,
    embed(texts) {
      this.calls++;
      return Promise.resolve(texts.map((text) => embedText(text, dimensions)));
    },
  };
}
