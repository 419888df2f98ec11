/**
 * Public types of the Anthropic Messages API emulator. Kept independent of the SDK's own types so the
 * emulator describes the wire format, not whatever the installed SDK version models.
 */

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error';

/** A content block as the request carries it (text, tool_use, tool_result, image, ...). */
export interface RequestContentBlock {
  type: string;
  text?: string;
  content?: string | RequestContentBlock[];
  [field: string]: unknown;
}

export interface RequestMessage {
  role: string;
  content: string | RequestContentBlock[];
}

export interface RequestTool {
  name: string;
  description?: string;
  input_schema?: unknown;
  type?: string;
  [field: string]: unknown;
}

/** How a request ended, so tests can tell served requests from injected failures. */
type RequestOutcome = 'pending' | 'completed' | 'http_error' | 'stream_error' | 'dropped' | 'client_disconnected';

/** One request as the emulator received it. The api key value is never stored. */
export interface RecordedRequest {
  /** 0-based arrival order since start/reset. */
  index: number;
  /** The `request-id` the emulator answered with. */
  requestId: string;
  method: string;
  path: string;
  /** Lower-cased header names; `x-api-key` / `authorization` values replaced by `[redacted]`. */
  headers: Record<string, string>;
  /** The parsed JSON body, untouched. */
  body: Record<string, unknown>;
  model: string;
  system?: string | RequestContentBlock[];
  messages: RequestMessage[];
  tools?: RequestTool[];
  max_tokens: number;
  stream: boolean;
  /** Epoch ms when the request body had been read. */
  receivedAt: number;
  /** Epoch ms when the first content delta was written (streams only). */
  firstTokenAt?: number;
  /** Epoch ms when the response finished (or failed). */
  finishedAt?: number;
  /** HTTP status sent (200 for streams, even those that later fail mid-stream). */
  status?: number;
  outcome: RequestOutcome;
}

interface EmulatedTextBlock {
  type: 'text';
  text: string;
}

interface EmulatedToolUseBlock {
  type: 'tool_use';
  name: string;
  input: Record<string, unknown>;
  /** Generated (`toolu_...`) when omitted. */
  id?: string;
}

export type EmulatedBlock = EmulatedTextBlock | EmulatedToolUseBlock;

/** Per-reply overrides of the emulator's timing. */
interface ReplyTiming {
  ttftMs?: number;
  tokensPerSecond?: number;
}

export interface EmulatedReply {
  blocks: EmulatedBlock[];
  /** Defaults to `tool_use` when a tool_use block is present, else `end_turn`. */
  stopReason?: StopReason;
  /** Only meaningful with stopReason `stop_sequence`. */
  stopSequence?: string;
  timing?: ReplyTiming;
}

export type Responder = (request: RecordedRequest) => EmulatedReply | Promise<EmulatedReply>;

export interface EmulatorTiming {
  /** Delay from receiving the request to the first content delta (non-streaming: added to response time). */
  ttftMs: number;
  /** Content deltas per second after the first; 0 or Infinity = as fast as possible. */
  tokensPerSecond: number;
}

/** HTTP error answered instead of a message; the scripted reply queue is left untouched. */
export type HttpFault =
  | { kind: 'rate_limit'; message?: string; retryAfterSeconds?: number }
  | { kind: 'overloaded'; message?: string }
  | { kind: 'api_error'; message?: string }
  | { kind: 'http'; status: number; errorType: ApiErrorType; message?: string; headers?: Record<string, string> };

/**
 * Failure after the stream has started. `afterDeltas` content deltas (text tokens or JSON fragments) are sent
 * first (default 1). A non-streaming request hit by one of these gets a 529 (`stream_error`) or a closed socket
 * (`drop`), which is how the same upstream failure shows without streaming.
 */
export type StreamFault =
  | { kind: 'stream_error'; afterDeltas?: number; errorType?: ApiErrorType; message?: string }
  | { kind: 'drop'; afterDeltas?: number };

export type Fault = HttpFault | StreamFault;

export interface RandomFaultOptions {
  /** Chance in [0, 1] that a request fails. */
  probability: number;
  /** Seed for the PRNG, so a "random" failure pattern replays identically. */
  seed?: number;
  /** Picked uniformly per failing request; defaults to `[{ kind: 'overloaded' }]`. */
  faults?: Fault[];
}

export interface AnthropicEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, requests must carry one of these in `x-api-key` (or `Authorization: Bearer`). */
  apiKey?: string | string[];
  /**
   * `anthropic-version` values accepted. Default: any `YYYY-MM-DD` value, since SDK releases move the
   * version they send; the header is still required.
   */
  acceptedVersions?: string[];
  timing?: Partial<EmulatorTiming>;
  /** Used when neither the queue nor a custom responder supplies a reply. Default: echo responder. */
  responder?: Responder;
}
