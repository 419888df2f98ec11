/**
 * Retrieval while the agent talks: who may see what (the agent's knowledge bases, and the customer's
 * own history only), when a text is worth searching for, and the search itself turned into numbered
 * passages. Used by messaging (before the model answers), the `search_knowledge` tool and the voice loop.
 */
import type { KnowledgePassage } from './citations';
import type { SearchHit, SearchQuery, SearchResult, SearchScope } from './types';

/** The one thing retrieval needs of the knowledge service (`Knowledge.search`). */
export interface KnowledgeSearch {
  search(query: SearchQuery): Promise<SearchResult>;
}

/**
 * What a conversation may retrieve: the agent's knowledge bases, plus this customer's own calls and
 * messages when `customerHistory` (never another customer's: the scope names one customer id, and
 * the account always). On a call the customer's history is in scope only for a verified caller
 * (the identity rule: an unverified caller hears nothing stored about the number's owner).
 */
export function conversationScope(input: {
  accountSid: string;
  knowledgeBaseIds: readonly string[];
  customerId?: string;
  customerHistory: boolean;
}): SearchScope {
  const knowledgeBaseIds = [...new Set(input.knowledgeBaseIds)];
  return {
    accountSid: input.accountSid,
    ...(knowledgeBaseIds.length > 0 ? { knowledgeBaseIds } : {}),
    ...(input.customerHistory && input.customerId ? { customerIds: [input.customerId] } : {}),
  };
}

/** Whether the scope can find anything at all (no knowledge base and no customer: nothing to search). */
export function scopeIsEmpty(scope: SearchScope): boolean {
  return !scope.knowledgeBaseIds?.length && !scope.customerIds?.length;
}

/** Words of at least two letters or any digits: "ok", "hi", "yes" alone are not worth a search. */
const CONTENT_WORD = /[\p{L}\p{N}]{2,}/gu;
const SMALL_TALK = new Set(['ok', 'okay', 'yes', 'yeah', 'no', 'hi', 'hello', 'thanks', 'thank', 'you', 'bye', 'sure']);

/** Too short to search for: fewer than two words that are not small talk (numbers count: "order 4521"). */
export function worthSearching(text: string): boolean {
  const words = (text.toLowerCase().match(CONTENT_WORD) ?? []).filter((w) => !SMALL_TALK.has(w));
  return words.length >= 2 || words.some((w) => /\d{3,}/.test(w));
}

/** What the conversation already has in front of the model, so retrieval does not repeat it. */
export interface RetrievalExclusions {
  /** Messages (and their voice notes and images) already in the model's history, the one answered included. */
  messageIds?: readonly string[];
  /** The call in progress: its turns are in the model's context already. */
  callSid?: string;
}

function excluded(hit: SearchHit, exclusions: RetrievalExclusions, messageIds: ReadonlySet<string>): boolean {
  const { source } = hit.chunk;
  if (source.kind === 'call') return source.callSid === exclusions.callSid;
  if (source.kind === 'document') return false;
  return messageIds.has(source.messageId);
}

/**
 * Searches the scope for `text` and returns the best `limit` hits as passages numbered from
 * `firstNumber`, leaving out what the conversation already shows (fetched a little beyond `limit`
 * so exclusions do not leave it short).
 */
export async function retrievePassages(
  knowledge: KnowledgeSearch,
  input: {
    text: string;
    scope: SearchScope;
    limit: number;
    firstNumber?: number;
    exclude?: RetrievalExclusions;
  },
): Promise<{ passages: KnowledgePassage[]; result: SearchResult }> {
  const exclude = input.exclude ?? {};
  const messageIds = new Set(exclude.messageIds ?? []);
  const slack = Math.min(20, messageIds.size + (exclude.callSid ? 5 : 0));
  const result = await knowledge.search({ text: input.text, scope: input.scope, limit: input.limit + slack });
  const first = input.firstNumber ?? 1;
  const passages = result.hits
    .filter((hit) => !excluded(hit, exclude, messageIds))
    .slice(0, input.limit)
    .map((hit, i): KnowledgePassage => ({
      n: first + i,
      chunkId: hit.chunk.id,
      kind: hit.chunk.source.kind,
      title: hit.chunk.title,
      source: hit.chunk.source,
      text: hit.chunk.text,
    }));
  return { passages, result };
}
