import { ProviderError } from '../providers/provider-error';
import type { ChatReply, ChatRequest, ToolCall } from './chat-model';

/**
 * What a streamed reply produces, in order: text deltas as they arrive (so speech can start on the first words),
 * each tool call once its input is complete, then `done` with the whole reply. An aborted stream ends without `done`.
 */
export type ChatStreamEvent =
  { type: 'text'; text: string } | { type: 'tool_call'; call: ToolCall } | ({ type: 'done' } & ChatReply);

/** A language model that streams its reply; the voice loop uses it to cut the time to first audio. */
export interface StreamingChatModel {
  /**
   * Aborting `signal` cancels the HTTP request at once and ends the iteration quietly (no error, no `done`).
   * Failures throw a {@link ChatStreamError}.
   */
  stream(request: ChatRequest, options: { signal: AbortSignal }): AsyncIterable<ChatStreamEvent>;
}

/**
 * A failed reply (the `llm` member of the provider error family), with a message that is safe to log (the provider's
 * status, error type and request id, never the credentials). `retryable` says whether asking again later may succeed
 * (overload, rate limit, network).
 */
export class ChatStreamError extends ProviderError {
  override readonly name = 'ChatStreamError';

  constructor(
    message: string,
    readonly details: { retryable: boolean; status?: number; type?: string; requestId?: string },
    provider: string,
  ) {
    super('llm', message, {
      provider,
      retryable: details.retryable,
      ...(details.status === undefined ? {} : { status: details.status }),
    });
  }
}

/** Drains a stream into the reply it ends with; `undefined` when it was aborted before finishing. */
export async function collectReply(events: AsyncIterable<ChatStreamEvent>): Promise<ChatReply | undefined> {
  for await (const event of events) {
    if (event.type === 'done') return { text: event.text, toolCalls: event.toolCalls, stopReason: event.stopReason };
  }
  return undefined;
}

/**
 * Assembles a tool call's input from its streamed JSON fragments. Providers send an empty string (or nothing) for a
 * call without arguments; anything that is not a JSON object is a broken reply, not something to guess around.
 */
export function parseToolInput(name: string, json: string, provider = 'unknown'): Record<string, unknown> {
  if (json.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    throw new ChatStreamError(`tool call ${name}: input is not valid JSON`, { retryable: false }, provider);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ChatStreamError(`tool call ${name}: input is not a JSON object`, { retryable: false }, provider);
  }
  return input as Record<string, unknown>;
}
