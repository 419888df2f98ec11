import type Anthropic from '@anthropic-ai/sdk';

/** Content of a turn: plain text, or blocks (text, the customer's images, tool calls and results). */
export type TurnContent =
  | string
  | Array<
      | Anthropic.TextBlockParam
      | Anthropic.ImageBlockParam
      | Anthropic.ToolUseBlockParam
      | Anthropic.ToolResultBlockParam
    >;

/** A tool the model may call, described by JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
}

export interface ToolCall {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: TurnContent;
}

export interface ChatRequest {
  system: string;
  messages: ChatTurn[];
  tools?: ToolSpec[];
  maxTokens?: number;
}

export interface ChatReply {
  text: string;
  /** Tools the model asked to run before it can answer (stop reason `tool_use`). */
  toolCalls: ToolCall[];
  stopReason: string | null;
}

/** A language model behind a small interface; the provider lives in its own file. */
export interface ChatModel {
  complete(request: ChatRequest): Promise<ChatReply>;
}

function isEmpty(content: TurnContent): boolean {
  return typeof content === 'string' ? !content.trim() : content.length === 0;
}

function asBlocks(content: TurnContent): Exclude<TurnContent, string> {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function merge(a: TurnContent, b: TurnContent): TurnContent {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n${b}`;
  return [...asBlocks(a), ...asBlocks(b)];
}

/** Turns history into alternating user/assistant turns starting with the user, as the API requires. */
export function toAlternatingTurns(turns: ChatTurn[]): ChatTurn[] {
  const merged: ChatTurn[] = [];
  for (const turn of turns) {
    if (isEmpty(turn.content)) continue;
    const last = merged[merged.length - 1];
    if (last && last.role === turn.role) last.content = merge(last.content, turn.content);
    else merged.push({ ...turn });
  }
  while (merged[0]?.role === 'assistant') merged.shift();
  return merged;
}
