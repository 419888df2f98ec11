import type { Config } from '../config/schema';

/** A search_knowledge call on a call reserves this many passage numbers: no more are ever returned. */
export const MAX_PASSAGES_PER_SEARCH = 10;

/** How many passages a conversation is given per retrieval (`knowledge.retrieval`), at most {@link MAX_PASSAGES_PER_SEARCH}. */
export function retrievalTopK(_config: Config, channel: 'voice' | 'messaging'): number {
  return Math.min(MAX_PASSAGES_PER_SEARCH, channel === 'voice' ? 3 : 4);
}

/**
 * Voice retrieval's timing: a partial must stand `debounceMs` before it is searched, and the reply
 * waits at most `budgetMs` at the end of the caller's turn for passages not ready yet.
 */
export function voiceRetrievalTiming(_config: Config): { debounceMs: number; budgetMs: number } {
  return { debounceMs: 120, budgetMs: 30 };
}
