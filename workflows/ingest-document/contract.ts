/**
 * The ingestion workflow's contract: one workflow per knowledge-base document, `ingest-document-<id>`.
 * It indexes the document's content as a new version and swaps it in (an unchanged content hash
 * indexes nothing), re-fetches URL documents every `refreshEvery` while it runs, and deletes the
 * document (chunks, bytes, record) when told to. Ingestions and the deletion of one document are
 * therefore never concurrent. The gateway signals it with start: a finished run is started again.
 */
import { defineSignal } from '@temporalio/workflow';

export const INGEST_DOCUMENT_WORKFLOW = 'ingestDocumentWorkflow';

export interface IngestDocumentInput {
  documentId: string;
  accountSid: string;
  /** Carried over by continue-as-new: what was asked for and not done yet, and the refresh period. */
  carried?: { ingest: boolean; delete: boolean; refreshEverySeconds?: number };
}

/** How the run ended. */
export interface IngestDocumentResult {
  documentId: string;
  /** The last ingestion's outcome (absent when the run only deleted). */
  last?: IngestionOutcome['outcome'];
  deleted: boolean;
}

/** What one ingestion did (the `indexDocumentVersion` activity's answer). */
export type IngestionOutcome =
  /** The document is gone or being deleted: nothing was indexed. */
  | { outcome: 'gone' }
  /** The content hashes the same as the indexed version: nothing re-indexed. */
  | { outcome: 'unchanged'; refreshEverySeconds?: number }
  /** Indexed as `documentVersion`, not yet visible (the workflow activates it next). */
  | {
      outcome: 'indexed';
      refreshEverySeconds?: number;
      chunkCount: number;
      contentHash: string;
      contentType: string;
      bytes: number;
      title: string;
    }
  /** The content cannot be ingested (a bad file, a URL that fails): recorded on the document. */
  | { outcome: 'failed'; refreshEverySeconds?: number; code: string; message: string };

/** Ingest (again) now: new bytes were uploaded, or the operator asked for a refresh. */
export const ingestDocumentSignal = defineSignal('ingestDocument');
/** Delete the document: its chunks, its bytes, then its record. */
export const deleteDocumentSignal = defineSignal('deleteDocument');

export type IngestDocumentWorkflow = (input: IngestDocumentInput) => Promise<IngestDocumentResult>;

export function ingestDocumentWorkflowId(documentId: string): string {
  return `ingest-document-${documentId}`;
}
