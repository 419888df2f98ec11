/**
 * Why a document could not be read. Every failure of detection, extraction or fetching is a
 * `DocumentError` with one of these codes, so ingestion can record a clear status and the operator API
 * can answer with it; messages are written for the operator and never contain URL credentials or queries.
 */
export type DocumentErrorCode =
  /** Not one of the supported types (or binary data declared as text). */
  | 'unsupported_type'
  /** No bytes, or nothing but whitespace and markup. */
  | 'empty'
  /** Larger than the configured limit (the message names the limit). */
  | 'too_big'
  /** A PDF whose pages carry no text layer (e.g. scanned images): it would need OCR. */
  | 'no_text'
  /** Damaged or truncated: the parser could not read it. */
  | 'unreadable'
  /** A password-protected PDF. */
  | 'encrypted'
  /** The URL could not be fetched (bad scheme, refused address, network error, HTTP status, timeout). */
  | 'fetch_failed';

export class DocumentError extends Error {
  override readonly name = 'DocumentError';

  constructor(
    readonly code: DocumentErrorCode,
    message: string,
    /** The HTTP status, for `fetch_failed` answers from the server. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Human-readable byte size for messages: "10 MiB", "512 KiB", "300 bytes". */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

export function tooBig(limit: number): DocumentError {
  return new DocumentError('too_big', `The document is larger than the ${formatBytes(limit)} limit.`);
}
