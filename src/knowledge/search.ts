import type { Logger } from '../observability/logger';
import { topicWords } from './query-text';
import { snippet } from './snippet';
import type { Chunk, ChunkIndex, EmbeddingProvider, SearchMode, SearchQuery, SearchResult } from './types';

/** Texts per embedding request: Voyage takes up to 1,000 inputs per call; smaller batches fail smaller. */
const EMBED_BATCH = 128;
/** Longest query text accepted (a question, not a document). */
const MAX_QUERY_CHARS = 2_000;

export interface SearchDeps {
  index: ChunkIndex;
  embeddings?: EmbeddingProvider;
  log: Logger;
}

/**
 * One search: picks the mode (hybrid when a provider is configured, else lexical), embeds the query,
 * and when the provider fails answers lexically and says why in `degraded` rather than failing the
 * caller (an agent mid-call must still get an answer).
 */
export async function searchKnowledge(deps: SearchDeps, query: SearchQuery): Promise<SearchResult> {
  const started = performance.now();
  if (typeof query.text !== 'string' || query.text.trim() === '') throw new RangeError('a search needs query text');
  if (query.text.length > MAX_QUERY_CHARS)
    throw new RangeError(`query text is longer than ${MAX_QUERY_CHARS} characters`);
  const wanted: SearchMode = query.mode ?? (deps.embeddings ? 'hybrid' : 'lexical');
  let mode = wanted;
  let degraded: string | undefined;
  let vector: Float32Array | undefined;
  if (wanted !== 'lexical') {
    if (!deps.embeddings) {
      mode = 'lexical';
      degraded = `${wanted} search needs an embedding provider; none is configured (KNOWLEDGE_EMBEDDINGS)`;
    } else
      try {
        // Hybrid embeds the question's topic words only (query-text.ts); vector-only keeps the whole question.
        const embedded = wanted === 'hybrid' ? topicWords(query.text) : query.text;
        [vector] = await deps.embeddings.embed([embedded], 'query');
      } catch (error) {
        mode = 'lexical';
        degraded = `embedding provider ${deps.embeddings.name} failed: ${describe(error)}`;
        deps.log.warn({ provider: deps.embeddings.name, reason: degraded }, 'knowledge search fell back to lexical');
      }
  }
  const hits = await deps.index.search(query, vector, mode);
  for (const hit of hits) hit.snippet = snippet(hit.chunk.text, query.text);
  return { hits, mode, ...(degraded ? { degraded } : {}), tookMs: Math.round((performance.now() - started) * 10) / 10 };
}

/** Embeds chunks in batches (when a provider is configured), then upserts them in one write. */
export async function indexChunks(deps: SearchDeps, chunks: Chunk[]): Promise<void> {
  if (chunks.length === 0) return;
  const provider = deps.embeddings;
  if (!provider) return deps.index.upsert(chunks);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
    // Title and text together: a heading says what a short passage is about.
    const batch = chunks.slice(i, i + EMBED_BATCH).map((c) => (c.title ? `${c.title}\n${c.text}` : c.text));
    const embedded = await provider.embed(batch, 'document');
    if (embedded.length !== batch.length)
      throw new Error(
        `embedding provider ${provider.name} returned ${embedded.length} vectors for ${batch.length} texts`,
      );
    vectors.push(...embedded);
  }
  return deps.index.upsert(chunks.map((chunk, i) => ({ ...chunk, vector: vectors[i] })));
}

/** A provider's error, without anything that could be a credential (SDK errors may echo request headers). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(bearer\s+|api[-_ ]?key[=:\s]+)\S+/gi, '$1[redacted]').slice(0, 200);
}
