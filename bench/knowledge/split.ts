/**
 * A deterministic split of the labelled questions into a tuning half (fusion parameters were chosen on
 * it: src/knowledge/fusion.ts) and a held-out half (scored only to report), by a hash of the question id,
 * so the split does not follow the set's ordering or categories.
 */
import type { LabelledQuestion } from './dataset';

export type Half = 'tuning' | 'held-out';

export function halfOf(question: Pick<LabelledQuestion, 'id'>): Half {
  // FNV-1a, 32-bit: stable across runs and platforms.
  let hash = 0x811c9dc5;
  for (let i = 0; i < question.id.length; i++) {
    hash ^= question.id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 2 === 0 ? 'tuning' : 'held-out';
}
