import { createHash } from 'node:crypto';

/** PLACEHOLDER until k-docs lands: same surface as the real adapter (/tmp/scratch/document-content.ts). */
export class DocumentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
interface DocumentChunk {
  text: string;
  title: string;
  section?: string;
  page?: number;
  position: number;
}
export interface DocumentContent {
  contentType: string;
  bytes: number;
  contentHash: string;
  title: string;
  chunks: DocumentChunk[];
}
export interface DocumentLimits {
  maxBytes: number;
  fetchTimeoutMs: number;
  allowPrivateAddresses: boolean;
}
export function documentErrorStatus(error: DocumentError): number {
  return ({ empty: 400, too_big: 413, unsupported_type: 415 } as Record<string, number>)[error.code] ?? 422;
}
export async function readDocument(
  bytes: Uint8Array,
  hint: { contentType?: string; fileName?: string; title?: string; fallbackTitle?: string },
  limits: DocumentLimits,
): Promise<DocumentContent> {
  if (bytes.length === 0) throw new DocumentError('empty', 'the file is empty');
  if (bytes.length > limits.maxBytes) throw new DocumentError('too_big', 'the file is too large');
  const title = hint.title ?? hint.fallbackTitle ?? hint.fileName ?? 'Untitled document';
  const chunks = Buffer.from(bytes)
    .toString('utf8')
    .split(/\n\s*\n/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((text, position) => ({ text, title, position }));
  return {
    contentType: hint.contentType ?? 'text/plain',
    bytes: bytes.length,
    contentHash: createHash('sha256').update(JSON.stringify(chunks)).digest('hex'),
    title,
    chunks,
  };
}
export async function fetchUrlDocument(
  url: string,
  limits: DocumentLimits,
): Promise<{ bytes: Uint8Array; contentType?: string; fileName?: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(limits.fetchTimeoutMs) });
  if (!response.ok) throw new DocumentError('fetch_failed', `GET ${url}: ${response.status}`);
  const contentType = response.headers.get('content-type') ?? undefined;
  return { bytes: new Uint8Array(await response.arrayBuffer()), ...(contentType ? { contentType } : {}) };
}
