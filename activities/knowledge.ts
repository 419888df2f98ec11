import { Context } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import type { DocumentFiles } from '../src/knowledge/bases/document-files';
import type { DocumentStore } from '../src/knowledge/bases/document-store';
import { documentChunks } from '../src/knowledge/bases/document-chunks';
import { documentLimits } from '../src/knowledge/bases/document-limits';
import { fetchUrlDocument, readDocument } from '../src/knowledge/bases/document-content';
import { DocumentError } from '../src/knowledge/documents/errors';
import type { KnowledgeBaseStore } from '../src/knowledge/bases/knowledge-base-store';
import type { Chunk, ChunkIndex } from '../src/knowledge/types';
import type { IngestionOutcome } from '../workflows/ingest-document/contract';

/** What ingestion needs of the knowledge service (src/knowledge/knowledge.ts): embed-and-write, and the index. */
interface KnowledgeWriter {
  index: ChunkIndex;
  indexChunks(chunks: Chunk[]): Promise<void>;
}

export interface DocumentIngestionDeps {
  config: () => Config;
  knowledge: KnowledgeWriter;
  knowledgeBases: KnowledgeBaseStore;
  documents: DocumentStore;
  documentFiles: DocumentFiles;
}

/** Heartbeats while a version is indexed (DOCUMENT_INGESTION notices a dead worker by their absence). */
const HEARTBEAT_EVERY_MS = 5_000;

/** The ingestion and deletion steps of knowledge-base documents (workflows/ingest-document, workflows/delete-knowledge-base). */
export function createKnowledgeActivities(deps: DocumentIngestionDeps) {
  async function removeChunks(accountSid: string, documentId: string, keep?: string): Promise<number> {
    return deps.knowledge.index.remove({
      accountSid,
      documentId,
      ...(keep !== undefined ? { exceptDocumentVersion: keep } : {}),
    });
  }

  return {
    /**
     * Reads the document (its uploaded bytes, or the URL fetched now), extracts and chunks it, and
     * writes the chunks under `documentVersion` — invisible to search until activated. Unchanged
     * content writes nothing. A bad file or URL answers `failed` (not retried); anything else
     * throws and is retried (the version's chunk ids are fixed, so a retry overwrites its own).
     */
    async indexDocumentVersion(input: { documentId: string; documentVersion: string }): Promise<IngestionOutcome> {
      const doc = await deps.documents.forIngestion(input.documentId);
      if (!doc || doc.status === 'deleting' || !(await deps.documents.markIngesting(doc.id)))
        return { outcome: 'gone' };
      const refresh = doc.refreshEvery !== undefined ? { refreshEverySeconds: doc.refreshEvery } : {};
      const limits = documentLimits(deps.config());
      let content;
      try {
        const raw =
          doc.source === 'url'
            ? await fetchUrlDocument(doc.url!, limits)
            : { bytes: doc.blobId !== undefined ? await deps.documentFiles.read(doc.blobId) : undefined };
        if (!raw.bytes)
          return { outcome: 'failed', ...refresh, code: 'file_missing', message: 'The uploaded file is gone.' };
        const contentType = 'contentType' in raw ? raw.contentType : undefined;
        const fileName = doc.filename ?? ('fileName' in raw ? raw.fileName : undefined);
        content = await readDocument(
          raw.bytes,
          {
            ...(contentType !== undefined ? { contentType } : {}),
            ...(fileName !== undefined ? { fileName } : {}),
            // The operator's title stands; without one, the document's own (else the file name or URL).
            ...(doc.autoTitle ? {} : { title: doc.title }),
            ...(doc.url !== undefined ? { fallbackTitle: doc.url } : {}),
          },
          limits,
        );
      } catch (error) {
        if (error instanceof DocumentError)
          return { outcome: 'failed', ...refresh, code: error.code, message: error.message };
        throw error;
      }
      if (doc.currentVersion !== undefined && content.contentHash === doc.contentHash) {
        await deps.documents.markUnchanged(doc.id);
        return { outcome: 'unchanged', ...refresh };
      }
      const chunks = documentChunks(doc, input.documentVersion, content, new Date());
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        await deps.knowledge.indexChunks(chunks);
      } finally {
        clearInterval(heartbeat);
      }
      return {
        outcome: 'indexed',
        ...refresh,
        chunkCount: chunks.length,
        contentHash: content.contentHash,
        contentType: content.contentType,
        bytes: content.bytes,
        title: content.title,
      };
    },

    /** Makes an indexed version the one search returns; false when the document is being deleted meanwhile. */
    async activateDocumentVersion(input: {
      documentId: string;
      documentVersion: string;
      contentHash: string;
      contentType: string;
      bytes: number;
      chunkCount: number;
      title: string;
    }): Promise<boolean> {
      const { documentId, ...version } = input;
      const activated = await deps.documents.activate(documentId, version);
      if (activated) {
        // Bytes of uploads replaced since are of no further use.
        const doc = await deps.documents.forIngestion(documentId);
        if (doc?.source === 'upload' && doc.blobId !== undefined)
          await deps.documentFiles.deleteOfDocument(documentId, doc.blobId);
      }
      return activated;
    },

    /** Removes every version of the document's chunks but `keep` (all of them without). Idempotent. */
    async removeStaleDocumentChunks(input: { documentId: string; accountSid: string; keep?: string }): Promise<number> {
      return removeChunks(input.accountSid, input.documentId, input.keep);
    },

    /**
     * An ingestion failed for good: the document says why, and whatever the failed version wrote is
     * removed — the current version (if any) stays.
     */
    async recordIngestionFailure(input: {
      documentId: string;
      accountSid: string;
      code: string;
      message: string;
    }): Promise<void> {
      await deps.documents.markFailed(input.documentId, { code: input.code, message: input.message });
      const doc = await deps.documents.forIngestion(input.documentId);
      await removeChunks(
        input.accountSid,
        input.documentId,
        doc?.status === 'deleting' ? undefined : doc?.currentVersion,
      );
    },

    /** Deletes a document: its chunks, its files, then its record (last, so a retry still finds it). Idempotent. */
    async purgeDocument(input: { documentId: string; accountSid: string }): Promise<void> {
      await removeChunks(input.accountSid, input.documentId);
      await deps.documentFiles.deleteOfDocument(input.documentId);
      await deps.documents.remove(input.documentId);
    },

    /** Every document of a base, whatever its status (those left to delete). */
    async documentsInBase(input: { knowledgeBaseId: string }): Promise<string[]> {
      return deps.documents.idsInBase(input.knowledgeBaseId);
    },

    /** The last step of deleting a base: any chunk left of it, then its record. Returns the chunks swept. */
    async purgeKnowledgeBase(input: { knowledgeBaseId: string; accountSid: string }): Promise<number> {
      const swept = await deps.knowledge.index.remove({
        accountSid: input.accountSid,
        knowledgeBaseId: input.knowledgeBaseId,
      });
      await deps.knowledgeBases.remove(input.knowledgeBaseId);
      return swept;
    },
  };
}
