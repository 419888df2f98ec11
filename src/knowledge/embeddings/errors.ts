/**
 * Why embedding failed, in terms a caller can act on: search falls back to lexical for any of them;
 * indexing retries what is `retryable` (Temporal's activity retry) and fails fast on the rest.
 */
export type EmbeddingFailure =
  /** Misconfiguration found before any request (no key, a dimension the model does not offer). */
  | 'config'
  /** The provider refused the key (401/403). */
  | 'auth'
  /** Too many requests or tokens per minute (429), after the SDK's own retries. */
  | 'rate_limited'
  /** The provider answered 5xx, or could not be reached. */
  | 'unavailable'
  /** No answer within the timeout. */
  | 'timeout'
  /** The provider rejected the request (400/422): e.g. an empty text. */
  | 'bad_request'
  /** An answer that does not match the request (count, dimension, encoding). */
  | 'bad_response';

const RETRYABLE: ReadonlySet<EmbeddingFailure> = new Set(['rate_limited', 'unavailable', 'timeout']);

export class EmbeddingError extends Error {
  override readonly name = 'EmbeddingError';
  readonly retryable: boolean;

  constructor(
    readonly failure: EmbeddingFailure,
    message: string,
    /** HTTP status the provider answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.retryable = RETRYABLE.has(failure);
  }
}
