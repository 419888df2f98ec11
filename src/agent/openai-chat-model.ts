import { randomBytes } from 'node:crypto';
import OpenAI, { APIConnectionError, APIError } from 'openai';
import { causes, isErrorLike } from '../providers/error-causes';
import { isRetryableStatus } from '../providers/provider-error';
import type { ChatModel, ChatReply, ChatRequest, ToolCall } from './chat-model';
import { toOpenAiMessages, toOpenAiTools } from './openai-format';
import { retryBeforeFirstYield } from './retry-before-first-yield';
import { ChatStreamError, parseToolInput, type ChatStreamEvent, type StreamingChatModel } from './streaming-chat-model';

export interface OpenAiCompatibleOptions {
  /** The server's API root, with its `/v1` (Ollama: `http://localhost:11434/v1`). */
  baseUrl: string;
  /** Servers that need no key (Ollama, llama.cpp) take any placeholder. */
  apiKey: string;
  model: string;
  maxTokens: number;
  temperature?: number;
  /**
   * SDK-level retries; durable retries are the activity's. A stream also gets this many retries when it fails
   * after opening but before yielding anything.
   */
  maxRetries?: number;
  timeoutMs?: number;
}

const PROVIDER = 'openai-compatible';

/** Error types and codes a mid-stream error event may carry that are worth asking again for. */
const RETRYABLE_ERROR_KINDS = new Set([
  'server_error',
  'rate_limit_exceeded',
  'rate_limit_error',
  'overloaded_error',
  'service_unavailable',
  'timeout',
]);

/**
 * Any OpenAI-compatible Chat Completions endpoint (Ollama, vLLM, llama.cpp's server, OpenAI itself) through the
 * official `openai` SDK. Like the Anthropic adapter, one instance (one client, one pool of warm sockets) serves all
 * of a call's turns.
 */
export class OpenAiCompatibleChatModel implements ChatModel, StreamingChatModel {
  private readonly client: OpenAI;
  /** Names the server in messages (never the key): several endpoints may serve several agents. */
  private readonly label: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: options.maxRetries ?? 1,
      timeout: options.timeoutMs ?? 60_000,
    });
    this.label = `OpenAI-compatible endpoint ${new URL(options.baseUrl).host}`;
  }

  /** Failures throw a {@link ChatStreamError} (a ProviderError of kind `llm`). */
  async complete(request: ChatRequest): Promise<ChatReply> {
    let completion: OpenAI.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(this.params(request));
    } catch (error) {
      throw this.toProviderError(error);
    }
    const choice = completion.choices[0];
    if (!choice) throw new ChatStreamError(`${this.label} answered without a choice`, { retryable: true }, PROVIDER);
    const ids = new ToolCallIds(request);
    const toolCalls = (choice.message.tool_calls ?? []).flatMap((call): ToolCall[] =>
      call.type === 'function'
        ? [
            {
              id: ids.take(call.id),
              name: call.function.name,
              input: parseToolInput(call.function.name, call.function.arguments, PROVIDER),
            },
          ]
        : [],
    );
    return { text: choice.message.content ?? '', toolCalls, stopReason: stopReason(choice.finish_reason) };
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
  private params(request: ChatRequest): OpenAI.ChatCompletionCreateParamsNonStreaming {
    return {
      model: this.options.model,
      // `max_tokens`, not `max_completion_tokens`: the self-hosted servers all read the older name.
      max_tokens: request.maxTokens ?? this.options.maxTokens,
      ...(this.options.temperature !== undefined ? { temperature: this.options.temperature } : {}),
      messages: toOpenAiMessages(request.system, request.items),
      ...(request.tools?.length ? { tools: toOpenAiTools(request.tools) } : {}),
    };
  }

  /**
   * One streamed request: text deltas as they arrive; tool calls assembled from their fragments (by `index`, the
   * id and name in the first, the arguments spread over the rest) and given out whole once the model has finished;
   * `done` once the finish reason has come.
   */
  private async *streamOnce(
    request: ChatRequest,
    signal: AbortSignal,
    progress: { opened: boolean },
  ): AsyncGenerator<ChatStreamEvent, void, undefined> {
    // The signal reaches fetch, so aborting tears the connection down mid-body; the SDK's iterator then ends quietly.
    const chunks = await this.client.chat.completions.create({ ...this.params(request), stream: true }, { signal });
    progress.opened = true;
    let text = '';
    let finish: string | null | undefined;
    const open = new Map<number, { id: string; name: string; json: string }>();
    for await (const chunk of chunks) {
      // A usage chunk has no choices; only the first choice is ever asked for.
      const choice = chunk.choices[0];
      if (!choice) continue;
      const { content, tool_calls: calls } = choice.delta ?? {};
      if (content) {
        text += content;
        yield { type: 'text', text: content };
      }
      for (const fragment of calls ?? []) {
        const call = open.get(fragment.index) ?? { id: '', name: '', json: '' };
        open.set(fragment.index, call);
        if (fragment.id) call.id = fragment.id;
        if (fragment.function?.name) call.name = fragment.function.name;
        call.json += fragment.function?.arguments ?? '';
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (signal.aborted) return;
    if (!finish)
      throw new ChatStreamError(
        `${this.label}: the stream ended before its finish reason`,
        { retryable: true },
        PROVIDER,
      );
    const ids = new ToolCallIds(request);
    const toolCalls: ToolCall[] = [];
    for (const [, call] of [...open.entries()].sort(([a], [b]) => a - b)) {
      if (!call.name)
        throw new ChatStreamError(`${this.label}: a streamed tool call has no name`, { retryable: false }, PROVIDER);
      const complete: ToolCall = {
        id: ids.take(call.id),
        name: call.name,
        input: parseToolInput(call.name, call.json, PROVIDER),
      };
      toolCalls.push(complete);
      yield { type: 'tool_call', call: complete };
    }
    yield { type: 'done', text, toolCalls, stopReason: stopReason(finish) };
  }

  /** A safe-to-log error: the server, status, type, the API's message and request id; the key is scrubbed from any text. */
  private toProviderError(error: unknown): ChatStreamError {
    if (error instanceof ChatStreamError) return error;
    const key = this.options.apiKey;
    const scrub = (text: string): string => (key ? text.split(key).join('[redacted]') : text);
    if (error instanceof APIConnectionError) {
      return new ChatStreamError(
        scrub(`${this.label}: connection failed: ${error.message}${causes(error.cause)}`),
        { retryable: true },
        PROVIDER,
      );
    }
    if (isApiError(error)) {
      const status = error.status;
      const body = isRecord(error.error) ? error.error : {};
      const type = error.type ?? (typeof error.code === 'string' ? error.code : undefined);
      const requestId = error.requestID ?? undefined;
      const apiMessage = typeof body.message === 'string' ? body.message : error.message;
      const detail = `${type ?? 'error'}: ${apiMessage}${requestId ? ` (request ${requestId})` : ''}`;
      // No status: an error event inside a 200 stream (`data: {"error": …}`).
      const message =
        status === undefined
          ? `${this.label}: API error mid-stream: ${detail}`
          : `${this.label}: API error: HTTP ${status} ${detail}`;
      const code = body.code;
      const retryable =
        status !== undefined
          ? isRetryableStatus(status)
          : (type !== undefined && RETRYABLE_ERROR_KINDS.has(type)) ||
            (typeof code === 'string' && RETRYABLE_ERROR_KINDS.has(code)) ||
            (typeof code === 'number' && isRetryableStatus(code));
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
    // fetch reports a body cut off mid-stream as a TypeError ("terminated"); anything else is a bug, not the network.
    // Duck-typed: fetch's errors come from Node's realm, not jest's vm context.
    if (!isErrorLike(error))
      return new ChatStreamError(
        scrub(`${this.label}: stream failed: ${String(error)}`),
        { retryable: false },
        PROVIDER,
      );
    return new ChatStreamError(
      scrub(`${this.label}: stream failed: ${error.message}${causes(error.cause)}`),
      { retryable: error.name === 'TypeError' },
      PROVIDER,
    );
  }
}

/**
 * Tool call ids become idempotency keys (a retried tool never repeats its side effect), so each must be unique.
 * Self-hosted servers do not all promise that: a missing or empty id, or one the conversation already used, gets a
 * fresh one; any other id is kept (some chat templates check their shape).
 */
class ToolCallIds {
  private readonly used: Set<string>;

  constructor(request: ChatRequest) {
    this.used = new Set(request.items.flatMap((item) => (item.type === 'tool_call' ? [item.id] : [])));
  }

  take(id: string | undefined): string {
    const chosen = id && !this.used.has(id) ? id : `call_${randomBytes(12).toString('hex')}`;
    this.used.add(chosen);
    return chosen;
  }
}

/** OpenAI's finish reasons in the words the rest of the code knows from Anthropic (`tool_use`, `end_turn`, `max_tokens`). */
function stopReason(finish: string | null | undefined): string | null {
  switch (finish) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    default:
      return finish ?? null;
  }
}

/** `instanceof` alone would type the class's parameters as `any`; this pins them to their defaults. */
function isApiError(error: unknown): error is APIError {
  return error instanceof APIError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
