/**
 * Text-to-speech behind a small provider-neutral interface. Output is what Twilio Media Streams
 * play without conversion: raw G.711 mu-law, 8 kHz, mono, no container header.
 */

export interface SynthesisOptions {
  /**
   * Cancels the synthesis (barge-in, hang-up). Aborting ends the iteration quietly, without an
   * error, and releases the provider request at once.
   */
  signal: AbortSignal;
}

export interface TextToSpeech {
  /**
   * Streams the audio of `text` as it is produced: raw mu-law 8 kHz mono, in chunks of any size
   * (not aligned to 20 ms frames). Blank text yields nothing. Failures throw {@link TtsError}.
   * Breaking out of the loop early also cancels the provider request.
   */
  synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer>;
}

export interface TtsErrorDetails {
  /** True when the same request may succeed if tried again (rate limit, 5xx, network, timeout). */
  retryable: boolean;
  /** The provider's HTTP status, when it answered with one. */
  status?: number;
  cause?: unknown;
}

/** A synthesis failed. Messages never carry credentials. */
export class TtsError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(message: string, details: TtsErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TtsError';
    this.retryable = details.retryable;
    this.status = details.status;
  }
}

/** Statuses worth a retry: timeouts, conflicts with in-flight work, rate limits and server faults. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}
