import { chunkDocument, contentHash, type DocumentChunk } from '../documents/chunk';
import { DocumentError, type DocumentErrorCode } from '../documents/errors';
import { extractDocument } from '../documents/extract';
import { fetchDocument } from '../documents/fetch';

/**
 * What ingestion and the operator API need of document reading (src/knowledge/documents): bytes
 * (uploaded or fetched) to a title and chunks, with a hash saying whether anything changed.
 */

/** A document's content read and cut into chunks, ready to index. */
export interface DocumentContent {
  /** As detected (`application/pdf`, `text/markdown`, `text/html`, `text/plain`). */
  contentType: string;
  bytes: number;
  /** Of the chunks (text, titles, pages): equal hashes mean nothing to re-index, whatever else changed in the file. */
  contentHash: string;
  /** The operator's title, else the document's own, else the file name or URL. */
  title: string;
  chunks: DocumentChunk[];
}

export interface DocumentLimits {
  maxBytes: number;
  fetchTimeoutMs: number;
  /** Tests and local development only: URLs on loopback and private networks may be fetched. */
  allowPrivateAddresses: boolean;
}

/** The operator API's status for each reason a document cannot be read. */
const STATUS: Record<DocumentErrorCode, number> = {
  empty: 400,
  too_big: 413,
  unsupported_type: 415,
  no_text: 422,
  unreadable: 422,
  encrypted: 422,
  fetch_failed: 422,
};

export function documentErrorStatus(error: DocumentError): number {
  return STATUS[error.code];
}

/** Reads a document's bytes; throws a DocumentError when they cannot be indexed (no text at all included). */
export async function readDocument(
  bytes: Uint8Array,
  hint: { contentType?: string; fileName?: string; title?: string; fallbackTitle?: string },
  limits: DocumentLimits,
): Promise<DocumentContent> {
  const extracted = await extractDocument(
    {
      bytes,
      ...(hint.contentType !== undefined ? { contentType: hint.contentType } : {}),
      ...(hint.fileName !== undefined ? { fileName: hint.fileName } : {}),
    },
    { maxBytes: limits.maxBytes },
  );
  const title = hint.title ?? extracted.title ?? hint.fallbackTitle ?? hint.fileName ?? 'Untitled document';
  const chunks = chunkDocument({ ...extracted, title });
  if (chunks.length === 0) throw new DocumentError('empty', 'The document has no text to index.');
  return {
    contentType: extracted.type,
    bytes: bytes.length,
    contentHash: contentHash(JSON.stringify(chunks)),
    title,
    chunks,
  };
}

/** Fetches a URL document (bounded by the limits); throws a DocumentError (`fetch_failed`, `too_big`…). */
export async function fetchUrlDocument(
  url: string,
  limits: DocumentLimits,
): Promise<{ bytes: Uint8Array; contentType?: string; fileName?: string }> {
  return fetchDocument(url, {
    maxBytes: limits.maxBytes,
    timeoutMs: limits.fetchTimeoutMs,
    allowPrivateAddresses: limits.allowPrivateAddresses,
  });
}
