import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import { causes, isErrorLike } from '../providers/error-causes';
import { isRetryableStatus } from '../providers/provider-error';
import { toAnthropicMessages } from './anthropic-format';
import type { ChatModel, ChatReply, ChatRequest, ToolCall } from './chat-model';
import { retryBeforeFirstYield } from './retry-before-first-yield';
import { ChatStreamError, parseToolInput, type ChatStreamEvent, type StreamingChatModel } from './streaming-chat-model';

export interface AnthropicOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  maxTokens: number;
  temperature?: number;
  /**
   * SDK-level retries; durable retries are the activity's. A stream also gets this many retries when it fails
   * after opening but before yielding anything (e.g. an `overloaded_error` event ahead of the first token).
   */
  maxRetries?: number;
  timeoutMs?: number;
}

const PROVIDER = 'anthropic';

/** Mid-stream error types worth asking again for; the rest (invalid request, auth, ...) would fail the same way. */
const RETRYABLE_ERROR_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/**
 * Anthropic Messages API through the official SDK (ANTHROPIC_BASE_URL reaches an emulator).
 *
 * Keep-alive: Node's fetch pools sockets per origin and keeps them open between requests, so a call's turns share a
 * warm TCP + TLS connection as long as the model instance (and so its client) lives across turns. `stream` reads each
 * reply to the end of its body rather than leaving at `message_stop`, since leaving early aborts the request and can
 * take the socket with it. Idle sockets are dropped after undici's default 4 s unless the server asks for longer.
 */
export class AnthropicChatModel implements ChatModel, StreamingChatModel {
  private readonly client: Anthropic;

  constructor(private readonly options: AnthropicOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
      maxRetries: options.maxRetries ?? 1,
      timeout: options.timeoutMs ?? 60_000,
    });
  }

  /** Failures throw a {@link ChatStreamError} (a ProviderError of kind `llm`). */
  async complete(request: ChatRequest): Promise<ChatReply> {
    let message: Anthropic.Message;
    try {
      message = await this.client.messages.create(this.params(request));
    } catch (error) {
      throw this.toProviderError(error);
    }
    const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    const toolCalls = message.content.flatMap((block) =>
      block.type === 'tool_use'
        ? [{ id: block.id, name: block.name, input: block.input as Record<string, unknown> }]
        : [],
    );
    return { text, toolCalls, stopReason: message.stop_reason };
  }

  async *stream(
    request: ChatRequest,
    options: { signal: AbortSignal },
  ): AsyncGenerator<ChatStreamEvent, void, undefined> {
    const { signal } = options;
    yield* retryBeforeFirstYield((progress) => this.streamOnce(request, signal, progress), {
      signal,
      retries: this.options.maxRetries ?? 1,
      toFailure: (error) => this.toProviderError(error),
    });
  }

  /** The request body `complete` and `stream` share. */
  private params(request: ChatRequest): Anthropic.MessageCreateParamsNonStreaming {
    return {
      model: this.options.model,
      max_tokens: request.maxTokens ?? this.options.maxTokens,
      ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
      system: request.system,
      messages: toAnthropicMessages(request.items),
      ...(request.tools?.length
        ? {
            tools: request.tools.map((t) => ({
              name: t.name,
              description: t.description,
              input_schema: t.inputSchema,
            })),
          }
        : {}),
    };
  }

  /** One streamed request: SSE events in, text deltas and whole tool calls out, `done` once the body has ended. */
  private async *streamOnce(
    request: ChatRequest,
    signal: AbortSignal,
    progress: { opened: boolean },
  ): AsyncGenerator<ChatStreamEvent, void, undefined> {
    // The signal reaches fetch, so aborting tears the connection down mid-body; the SDK's iterator then ends quietly.
    const events = await this.client.messages.create({ ...this.params(request), stream: true }, { signal });
    progress.opened = true;
    let text = '';
    let stopReason: string | null = null;
    let stopped = false;
    const toolCalls: ToolCall[] = [];
    const openTools = new Map<number, { id: string; name: string; startInput: unknown; json: string }>();
    for await (const event of events) {
      switch (event.type) {
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            const { id, name, input } = event.content_block;
            openTools.set(event.index, { id, name, startInput: input, json: '' });
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            text += event.delta.text;
            yield { type: 'text', text: event.delta.text };
          } else if (event.delta.type === 'input_json_delta') {
            const tool = openTools.get(event.index);
            if (tool) tool.json += event.delta.partial_json;
          }
          break;
        case 'content_block_stop': {
          const tool = openTools.get(event.index);
          if (!tool) break;
          openTools.delete(event.index);
          const call: ToolCall = { id: tool.id, name: tool.name, input: toolInput(tool) };
          toolCalls.push(call);
          yield { type: 'tool_call', call };
          break;
        }
        case 'message_delta':
          stopReason = event.delta.stop_reason;
          break;
        case 'message_stop':
          // Not `break`ing out: leaving the loop early aborts the request, which can cost the pooled socket.
          stopped = true;
          break;
        default:
          break;
      }
    }
    if (signal.aborted) return;
    if (!stopped)
      throw new ChatStreamError('Anthropic stream ended before message_stop', { retryable: true }, PROVIDER);
    yield { type: 'done', text, toolCalls, stopReason };
  }

  /** A safe-to-log error: status, type, the API's message and request id; the api key is scrubbed from any text. */
  private toProviderError(error: unknown): ChatStreamError {
    if (error instanceof ChatStreamError) return error;
    const scrub = (text: string): string =>
      this.options.apiKey ? text.split(this.options.apiKey).join('[redacted]') : text;
    if (error instanceof APIConnectionError) {
      return new ChatStreamError(
        scrub(`Anthropic connection failed: ${error.message}${causes(error.cause)}`),
        { retryable: true },
        PROVIDER,
      );
    }
    if (isApiError(error)) {
      const status = error.status;
      const type = error.type ?? undefined;
      const requestId = error.requestID ?? undefined;
      const detail = `${type ?? 'error'}: ${error.apiMessage ?? error.message}${requestId ? ` (request ${requestId})` : ''}`;
      // No status: an `error` event inside a 200 stream.
      const message =
        status === undefined
          ? `Anthropic API error mid-stream: ${detail}`
          : `Anthropic API error: HTTP ${status} ${detail}`;
      const retryable =
        status === undefined ? type !== undefined && RETRYABLE_ERROR_TYPES.has(type) : isRetryableStatus(status);
      return new ChatStreamError(
        scrub(message),
        {
          retryable,
          ...(status === undefined ? {} : { status }),
          ...(type ? { type } : {}),
          ...(requestId ? { requestId } : {}),
        },
        PROVIDER,
      );
    }
    // fetch reports a body cut off mid-stream as a TypeError ("terminated", cause "other side closed"); anything
    // else is a bug, not the network. Duck-typed: fetch's errors come from Node's realm, not jest's vm context.
    if (!isErrorLike(error))
      return new ChatStreamError(scrub(`Anthropic stream failed: ${String(error)}`), { retryable: false }, PROVIDER);
    return new ChatStreamError(
      scrub(`Anthropic stream failed: ${error.message}${causes(error.cause)}`),
      { retryable: error.name === 'TypeError' },
      PROVIDER,
    );
  }
}

/** `instanceof` alone would type the class's parameters as `any`; this pins them to their defaults. */
function isApiError(error: unknown): error is APIError {
  return error instanceof APIError;
}

/** A tool call without streamed fragments keeps the input its block started with. */
function toolInput(tool: { name: string; startInput: unknown; json: string }): Record<string, unknown> {
  if (
    tool.json === '' &&
    typeof tool.startInput === 'object' &&
    tool.startInput !== null &&
    !Array.isArray(tool.startInput)
  ) {
    return tool.startInput as Record<string, unknown>;
  }
  return parseToolInput(tool.name, tool.json, PROVIDER);
}
