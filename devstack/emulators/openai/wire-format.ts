/** Builds the JSON the Chat Completions API puts on the wire: completions, stream chunks, error bodies. */
import { estimateTokens, splitJsonIntoFragments, splitTextIntoTokens } from '../anthropic/tokenize';
import type { EmulatedReply, FinishReason, RecordedRequest } from './types';

interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface WireErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** One chunk to send; content deltas (text pieces, argument fragments) are the ones timing applies to. */
export interface StreamChunk {
  data: Record<string, unknown>;
  isContentDelta: boolean;
}

/** Deterministic ids shaped like the real ones (`chatcmpl-…`, `call_…`, `req_…`); restart on reset. */
export class IdGenerator {
  private counter = 0;

  next(prefix: 'chatcmpl-' | 'call_' | 'req_'): string {
    this.counter += 1;
    return `${prefix}emu${this.counter.toString(36).padStart(21, '0')}`;
  }
}

/** A reply with ids assigned and the finish reason decided, so the streamed and non-streamed forms agree. */
export interface ResolvedReply {
  id: string;
  created: number;
  model: string;
  text: string;
  /** `id` undefined: the server sends none. */
  toolCalls: Array<{ id: string | undefined; name: string; arguments: string }>;
  finishReason: FinishReason;
  usage: WireUsage;
}

export function resolveReply(reply: EmulatedReply, request: RecordedRequest, ids: IdGenerator): ResolvedReply {
  const text = reply.text ?? '';
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id === undefined ? ids.next('call_') : call.id || undefined,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const promptTokens = Math.max(1, estimateTokens(JSON.stringify([request.messages, request.tools ?? []])));
  const completionTokens = estimateTokens(text) + toolCalls.reduce((n, c) => n + estimateTokens(c.arguments), 0);
  return {
    id: ids.next('chatcmpl-'),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    text,
    toolCalls,
    finishReason: reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

export function buildCompletion(reply: ResolvedReply): Record<string, unknown> {
  const toolCalls: WireToolCall[] = reply.toolCalls.map((call) => ({
    id: call.id ?? '',
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: reply.id,
    object: 'chat.completion',
    created: reply.created,
    model: reply.model,
    system_fingerprint: 'fp_emulator',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text || (toolCalls.length ? null : ''),
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: reply.usage,
  };
}

/**
 * The chunks of a streamed reply in wire order: the role, the text in token-sized pieces, each tool call's id and
 * name, then its arguments split across several chunks (by `index`), the finish reason, and the usage when asked.
 */
export function buildStreamChunks(reply: ResolvedReply, includeUsage: boolean): StreamChunk[] {
  const chunks: StreamChunk[] = [];
  const chunk = (delta: Record<string, unknown>, isContentDelta: boolean, finish: FinishReason | null = null): void => {
    chunks.push({
      data: {
        id: reply.id,
        object: 'chat.completion.chunk',
        created: reply.created,
        model: reply.model,
        system_fingerprint: 'fp_emulator',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      },
      isContentDelta,
    });
  };
  chunk({ role: 'assistant', content: '' }, false);
  for (const piece of splitTextIntoTokens(reply.text)) chunk({ content: piece }, true);
  reply.toolCalls.forEach((call, index) => {
    chunk(
      {
        tool_calls: [
          {
            index,
            ...(call.id ? { id: call.id } : {}),
            type: 'function',
            function: { name: call.name, arguments: '' },
          },
        ],
      },
      false,
    );
    for (const fragment of splitJsonIntoFragments(call.arguments))
      chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }, true);
  });
  chunk({}, false, reply.finishReason);
  if (includeUsage)
    chunks.push({
      data: {
        id: reply.id,
        object: 'chat.completion.chunk',
        created: reply.created,
        model: reply.model,
        system_fingerprint: 'fp_emulator',
        choices: [],
        usage: reply.usage,
      },
      isContentDelta: false,
    });
  return chunks;
}

export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): WireErrorBody {
  return { error: { message, type, param, code } };
}

export function formatSseData(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
