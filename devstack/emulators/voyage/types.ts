/** Public types of the Voyage embeddings emulator (the wire format, independent of the SDK's own types). */

export type InputType = 'query' | 'document';

/** An injected failure, used by the next request(s) that pass the API-key check. */
export type VoyageFault =
  /** An HTTP error with Voyage's `{"detail": …}` body (429 and 5xx are what the SDK retries). */
  | { kind: 'status'; status: number; detail?: string; retryAfterSeconds?: number }
  /** The connection is destroyed without an answer: the provider is down or unreachable. */
  | { kind: 'drop' }
  /** The answer is held back this long first (to exercise client timeouts). */
  | { kind: 'delay'; ms: number };

/** One request as received. The API key itself is never stored. */
export interface VoyageRequestRecord {
  index: number;
  method: string;
  path: string;
  /** A Bearer key was presented and is one of the accepted keys. */
  authorized: boolean;
  model?: string;
  inputType?: InputType | null;
  /** How many texts the request carried. */
  inputs: number;
  outputDimension?: number | null;
  encodingFormat?: string | null;
  truncation?: boolean;
  /** Tokens counted for the batch (what `usage.total_tokens` answered). */
  tokens?: number;
  status?: number;
  /** Time spent computing the vectors (not transport), for checking the emulator stays fast. */
  embedMs?: number;
  /** The injected fault this request consumed, if any. */
  fault?: VoyageFault;
  receivedAt: number;
}

export interface VoyageEmulatorOptions {
  /** Accepted `Authorization: Bearer` keys. */
  apiKey: string | string[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** Added to every answer (network and model time); default 0. */
  latencyMs?: number;
}
