/** Builds the JSON the real Messages API puts on the wire: message objects, SSE event payloads, error bodies. */
import { estimateTokens, splitJsonIntoFragments, splitTextIntoTokens } from './tokenize';
import type { ApiErrorType, EmulatedReply, RecordedRequest, StopReason } from './types';

interface WireTextBlock {
  type: 'text';
  text: string;
}

interface WireToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

type WireContentBlock = WireTextBlock | WireToolUseBlock;

interface WireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  service_tier: 'standard';
}

export interface WireMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: WireUsage;
}

export interface WireErrorBody {
  type: 'error';
  error: { type: ApiErrorType; message: string };
  request_id?: string;
}

/** One SSE frame to send; content deltas are the frames that timing (TTFT, token rate) applies to. */
export interface StreamStep {
  event: string;
  data: unknown;
  isContentDelta: boolean;
}

/** Deterministic ids shaped like the real ones (`msg_01...`, `toolu_01...`, `req_01...`); restart on reset. */
export class IdGenerator {
  private counter = 0;

  next(prefix: 'msg' | 'toolu' | 'req'): string {
    this.counter += 1;
    return `${prefix}_01Emu${this.counter.toString(36).padStart(17, '0')}`;
  }
}

/** A reply with ids assigned and stop reason decided, so the streamed and non-streamed forms agree. */
export interface ResolvedReply {
  messageId: string;
  model: string;
  content: WireContentBlock[];
  stopReason: StopReason;
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
}

export function resolveReply(reply: EmulatedReply, request: RecordedRequest, ids: IdGenerator): ResolvedReply {
  const content: WireContentBlock[] = reply.blocks.map((block) =>
    block.type === 'text'
      ? { type: 'text', text: block.text }
      : { type: 'tool_use', id: block.id ?? ids.next('toolu'), name: block.name, input: block.input },
  );
  const stopReason = reply.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  return {
    messageId: ids.next('msg'),
    model: request.model,
    content,
    stopReason,
    stopSequence: stopReason === 'stop_sequence' ? (reply.stopSequence ?? null) : null,
    inputTokens: estimateInputTokens(request),
    outputTokens: content.reduce((sum, block) => sum + estimateTokens(serializeBlockPayload(block)), 0),
  };
}

/** ~chars/4 over everything the model would read: system prompt, messages and tool definitions. */
function estimateInputTokens(request: RecordedRequest): number {
  return Math.max(1, estimateTokens(JSON.stringify([request.system ?? '', request.messages, request.tools ?? []])));
}

function serializeBlockPayload(block: WireContentBlock): string {
  return block.type === 'text' ? block.text : JSON.stringify(block.input);
}

function usage(inputTokens: number, outputTokens: number): WireUsage {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

export function buildMessage(reply: ResolvedReply): WireMessage {
  return {
    id: reply.messageId,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content: reply.content,
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage: usage(reply.inputTokens, reply.outputTokens),
  };
}

/** The full event sequence of a streamed reply, in wire order (a `ping` follows message_start, as the API does). */
export function buildStreamSteps(reply: ResolvedReply): StreamStep[] {
  const steps: StreamStep[] = [];
  const frame = (event: string, data: Record<string, unknown>, isContentDelta = false): void => {
    steps.push({ event, data: { type: event, ...data }, isContentDelta });
  };

  frame('message_start', {
    message: {
      ...buildMessage(reply),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(reply.inputTokens, 1),
    },
  });
  frame('ping', {});
  reply.content.forEach((block, index) => {
    if (block.type === 'text') {
      frame('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of splitTextIntoTokens(block.text)) {
        frame('content_block_delta', { index, delta: { type: 'text_delta', text } }, true);
      }
    } else {
      frame('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const partial_json of splitJsonIntoFragments(JSON.stringify(block.input))) {
        frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }, true);
      }
    }
    frame('content_block_stop', { index });
  });
  frame('message_delta', {
    delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence },
    usage: { output_tokens: reply.outputTokens },
  });
  frame('message_stop', {});
  return steps;
}

export function errorBody(type: ApiErrorType, message: string, requestId?: string): WireErrorBody {
  return requestId === undefined
    ? { type: 'error', error: { type, message } }
    : { type: 'error', error: { type, message }, request_id: requestId };
}

export function formatSseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
