/**
 * Public types of the OpenAI Chat Completions emulator (what Ollama, vLLM and llama.cpp's server speak). Kept
 * independent of the SDK's own types so the emulator describes the wire format, not the installed SDK.
 */

import type { EmulatorTiming, RecordedRequestBase } from '../llm-emulator-base';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** A content part as a request carries it (`text`, `image_url`, ...). */
export interface RequestContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
  [field: string]: unknown;
}

interface RequestToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface RequestMessage {
  role: string;
  content?: string | RequestContentPart[] | null;
  tool_calls?: RequestToolCall[];
  tool_call_id?: string;
  [field: string]: unknown;
}

export interface RequestTool {
  type: string;
  function: { name: string; description?: string; parameters?: unknown };
}

/** One request as the emulator received it. The api key is never stored. */
export interface RecordedRequest extends RecordedRequestBase {
  messages: RequestMessage[];
  tools?: RequestTool[];
  /** `max_tokens`, or `max_completion_tokens` when that was sent instead. */
  maxTokens?: number;
  temperature?: number;
  /** `stream_options.include_usage`: a last chunk with the usage and no choices. */
  includeUsage: boolean;
}

interface EmulatedToolCall {
  name: string;
  /** An object is serialized; a string is sent as it is (to script arguments that are not valid JSON). */
  arguments: Record<string, unknown> | string;
  /** Generated (`call_…`) when omitted; `''` sends none, as some servers do. */
  id?: string;
}

export interface EmulatedReply {
  text?: string;
  toolCalls?: EmulatedToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason;
  timing?: Partial<EmulatorTiming>;
}

export type Responder = (request: RecordedRequest) => EmulatedReply | Promise<EmulatedReply>;

/** HTTP error answered instead of a completion; the scripted reply queue is left untouched. */
export type HttpFault =
  | { kind: 'rate_limit'; message?: string; retryAfterMs?: number }
  | { kind: 'server_error'; message?: string }
  | { kind: 'http'; status: number; type?: string; code?: string; message?: string; headers?: Record<string, string> };

/**
 * Failure after the stream has started, after `afterDeltas` content deltas (default 1): an error object in the
 * stream (`data: {"error": …}`, as vLLM and Ollama send one), or a cut connection. A non-streaming request hit by
 * one of these gets a 500 or a closed socket.
 */
export type StreamFault =
  | { kind: 'stream_error'; afterDeltas?: number; type?: string; code?: string; message?: string }
  | { kind: 'drop'; afterDeltas?: number };

export type Fault = HttpFault | StreamFault;

export interface OpenAiEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <one of these>` (Ollama needs none: leave it unset). */
  apiKey?: string | string[];
  timing?: Partial<EmulatorTiming>;
  /** Used when the queue is empty. Default: echo responder. */
  responder?: Responder;
}
