import type { SearchHit } from '../types';
import type { DocumentStore } from './document-store';

/**
 * Drops the document hits search must not show: chunks of a version not (or no longer) current —
 * one still being indexed, one a failed ingestion left behind, one replaced but not yet removed —
 * and chunks of a document being deleted or deleted. The chunk index is brought in line by the
 * ingestion workflow soon after; this makes each switch atomic for readers meanwhile (the
 * document's `currentVersion` in MongoDB is the single point where a version becomes visible).
 * Conversation hits pass unchanged.
 */
export async function visibleHits(documents: DocumentStore, hits: SearchHit[]): Promise<SearchHit[]> {
  const ids = [...new Set(hits.flatMap((h) => (h.chunk.documentId !== undefined ? [h.chunk.documentId] : [])))];
  if (ids.length === 0) return hits;
  const versions = await documents.searchableVersions(ids);
  return hits.filter(
    ({ chunk }) => chunk.documentId === undefined || versions.get(chunk.documentId) === chunk.documentVersion,
  );
}
