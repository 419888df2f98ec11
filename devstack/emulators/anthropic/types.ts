/**
 * Public types of the Anthropic Messages API emulator. Kept independent of the SDK's own types so the
 * emulator describes the wire format, not whatever the installed SDK version models.
 */

import type { EmulatorTiming, RecordedRequestBase } from '../llm-emulator-base';
import type { RandomFaultOptions as FaultPlanRandomOptions } from '../shared/fault-plan';

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

/** One request as the emulator received it. The api key value is never stored. */
export interface RecordedRequest extends RecordedRequestBase {
  system?: string | RequestContentBlock[];
  messages: RequestMessage[];
  tools?: RequestTool[];
  max_tokens: number;
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

/** Random failures; `faults` defaults to `[{ kind: 'overloaded' }]`. */
export type RandomFaultOptions = FaultPlanRandomOptions<Fault>;

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
