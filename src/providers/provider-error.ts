/**
 * How every speech and language provider fails: one error family, so callers decide by type (which
 * stage failed, may it be tried again) and never by reading a message. Adapters wrap SDK and HTTP
 * errors into it; messages are safe to log (no credentials).
 */

/** The stage of the voice pipeline (or the messaging agent's model) that failed. */
export type ProviderKind = 'stt' | 'tts' | 'llm';

export interface ProviderErrorDetails {
  /** The vendor, e.g. `assemblyai`, `elevenlabs`, `anthropic`. */
  provider: string;
  /** True when the same request may succeed if tried again (rate limit, 5xx, network, timeout). */
  retryable: boolean;
  /** The provider's HTTP status, when it answered with one. */
  status?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly provider: string;
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(
    readonly kind: ProviderKind,
    message: string,
    details: ProviderErrorDetails,
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.provider = details.provider;
    this.retryable = details.retryable;
    this.status = details.status;
  }
}

/** Statuses worth a retry: timeouts, conflicts with in-flight work, rate limits and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** The pipeline stage behind a failure; `undefined` when it is not a provider's (a bug, say). */
export function providerKindOf(error: unknown): ProviderKind | undefined {
  return error instanceof ProviderError ? error.kind : undefined;
}
