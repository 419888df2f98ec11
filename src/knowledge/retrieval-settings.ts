import type { Config } from '../config/schema';

/** A search_knowledge call on a call reserves this many passage numbers: no more are ever returned. */
export const MAX_PASSAGES_PER_SEARCH = 10;

/** How many passages a conversation is given per retrieval (`knowledge.retrieval`), at most {@link MAX_PASSAGES_PER_SEARCH}. */
export function retrievalTopK(config: Config, channel: 'voice' | 'messaging'): number {
  const { retrieval } = config.knowledge;
  return Math.min(MAX_PASSAGES_PER_SEARCH, channel === 'voice' ? retrieval.voiceTopK : retrieval.messagingTopK);
}

/**
 * Voice retrieval's timing: a partial must stand `debounceMs` before it is searched, and the reply
 * waits at most `budgetMs` at the end of the caller's turn for passages not ready yet.
 */
export function voiceRetrievalTiming(config: Config): { debounceMs: number; budgetMs: number } {
  const { retrieval } = config.knowledge;
  return { debounceMs: retrieval.voiceDebounceMs, budgetMs: retrieval.voiceWaitBudgetMs };
}
