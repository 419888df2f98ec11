import path from 'node:path';
import type { KnowledgeConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import { createEmbeddingProvider } from './embeddings';
import { isObjectStoreUri, LanceChunkIndex, redactUri } from './lance-index';
import { indexChunks, searchKnowledge } from './search';
import type { Chunk, ChunkIndex, EmbeddingProvider, SearchHit, SearchQuery, SearchResult } from './types';

/** The knowledge layer one process uses: the chunk index, the embedding provider, search and indexing. */
export interface Knowledge {
  readonly index: ChunkIndex;
  readonly embeddings?: EmbeddingProvider;
  /** Where the store is, without credentials (for logs and /health). */
  readonly location: string;
  search(query: SearchQuery): Promise<SearchResult>;
  indexChunks(chunks: Chunk[]): Promise<void>;
  /**
   * Runs `index.optimize()` every `intervalMs` when this process wrote since the last run (the
   * orchestrator, where writes happen); stops on close().
   */
  optimizeEvery(intervalMs: number): void;
  close(): Promise<void>;
}

export interface OpenKnowledgeOptions {
  log: Logger;
  /** The embedding provider; absent: lexical search only. */
  embeddings?: EmbeddingProvider;
  /** Overrides the default staleness a read tolerates (lance-index.ts). */
  readConsistencySeconds?: number;
  vectorIndexMinRows?: number;
  /**
   * Drops hits readers must not see (a document version not current, a document being deleted: see
   * bases/visible-hits.ts). Every reader passes it, so agents never quote a deleted document either.
   */
  visibleHits?: (hits: SearchHit[]) => Promise<SearchHit[]>;
}

/** Hits fetched per hit wanted when some may be hidden: a replaced or deleted document's chunks linger briefly. */
const OVERFETCH_FOR_VISIBILITY = 3;
const DEFAULT_LIMIT = 5;
/** The chunk index's own ceiling on one search (lance-index.ts). */
const MOST_FETCHED = 100;

/** The embedding provider `config.embeddings` names (none: lexical only); throws when it cannot work (no key). */
export function configuredEmbeddings(config: KnowledgeConfig): EmbeddingProvider | undefined {
  return createEmbeddingProvider(config.embeddings);
}

/** Opens the store named by `config.storeUri` (a relative directory is taken from the working directory). */
export async function openKnowledge(config: KnowledgeConfig, options: OpenKnowledgeOptions): Promise<Knowledge> {
  const uri = isObjectStoreUri(config.storeUri) ? config.storeUri : path.resolve(config.storeUri);
  const { embeddings, log } = options;
  const index = await LanceChunkIndex.open({
    uri,
    ...(Object.keys(config.storageOptions).length ? { storageOptions: config.storageOptions } : {}),
    ...(embeddings ? { embedding: { name: embeddings.name, dimensions: embeddings.dimensions } } : {}),
    ...(options.readConsistencySeconds !== undefined ? { readConsistencySeconds: options.readConsistencySeconds } : {}),
    ...(options.vectorIndexMinRows !== undefined ? { vectorIndexMinRows: options.vectorIndexMinRows } : {}),
  });
  const location = redactUri(uri);
  log.info({ store: location, embeddings: embeddings?.name ?? 'none (lexical only)' }, 'knowledge store open');
  const deps = { index, log, ...(embeddings ? { embeddings } : {}) };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    index,
    ...(embeddings ? { embeddings } : {}),
    location,
    async search(query) {
      const { visibleHits } = options;
      if (!visibleHits) return searchKnowledge(deps, query);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const result = await searchKnowledge(deps, {
        ...query,
        limit: Math.min(limit * OVERFETCH_FOR_VISIBILITY, MOST_FETCHED),
      });
      return { ...result, hits: (await visibleHits(result.hits)).slice(0, limit) };
    },
    indexChunks: (chunks) => indexChunks(deps, chunks),
    optimizeEvery(intervalMs) {
      clearInterval(timer);
      timer = setInterval(() => {
        const started = Date.now();
        running = index.optimizeIfWritten().then(
          (ran) => ran && log.info({ tookMs: Date.now() - started }, 'knowledge store optimized'),
          (error: unknown) =>
            log.error({ err: error }, 'could not optimize the knowledge store (retried next interval)'),
        );
      }, intervalMs);
      // Never what keeps a process alive.
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await running;
      await index.close();
    },
  };
}
