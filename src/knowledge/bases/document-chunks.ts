import type { Chunk } from '../types';
import type { DocumentContent } from './document-content';

/**
 * A document version's chunks as the index stores them. Ids are `<documentId>:<version>:<position>`:
 * a retried ingestion of the same version overwrites its own chunks, and versions never collide.
 */
export function documentChunks(
  doc: { id: string; accountSid: string; knowledgeBaseId: string },
  documentVersion: string,
  content: DocumentContent,
  ingestedAt: Date,
): Chunk[] {
  const at = ingestedAt.toISOString();
  return content.chunks.map((piece) => ({
    id: `${doc.id}:${documentVersion}:${piece.position}`,
    accountSid: doc.accountSid,
    knowledgeBaseId: doc.knowledgeBaseId,
    documentId: doc.id,
    documentVersion,
    text: piece.text,
    // "Document title > Section > Subsection": a heading says what a short passage is about.
    title: piece.title,
    source: {
      kind: 'document',
      knowledgeBaseId: doc.knowledgeBaseId,
      documentId: doc.id,
      title: content.title,
      ...(piece.page !== undefined ? { page: piece.page } : {}),
      ...(piece.section !== undefined ? { section: piece.section } : {}),
      position: piece.position,
    },
    at,
  }));
}
