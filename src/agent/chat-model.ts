import type Anthropic from '@anthropic-ai/sdk';

/** Content of a turn: plain text, or text and image blocks (media the customer sent). */
export type TurnContent = string | Array<Anthropic.TextBlockParam | Anthropic.ImageBlockParam>;

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: TurnContent;
}

export interface ChatRequest {
  system: string;
  messages: ChatTurn[];
  maxTokens?: number;
}

export interface ChatReply {
  text: string;
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
