import { withTimeout } from '../health/probe';
import type { HealthCheck } from '../health/status';
import type { Knowledge } from './knowledge';

/**
 * The `knowledge` check of /health: the chunk store answers, and whether search is by meaning too.
 * No embedding provider is a supported setup (the sandbox's), so it is said in the detail, never a
 * degradation; an unreachable store is `down` (each process decides what that costs it).
 */
export function knowledgeCheck(knowledge: Pick<Knowledge, 'index' | 'embeddings' | 'location'>): Promise<HealthCheck> {
  return withTimeout(async () => {
    const chunks = await knowledge.index.count();
    const search = knowledge.embeddings
      ? `hybrid search with ${knowledge.embeddings.name} (${knowledge.embeddings.dimensions} dimensions)`
      : 'lexical only: no embedding provider configured (KNOWLEDGE_EMBEDDINGS)';
    return { status: 'ok', detail: `store reachable (${chunks} chunks); ${search}` };
  });
}
