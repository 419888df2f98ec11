/** Our chat items in the Anthropic Messages API's shape: the only place that knows its blocks and its turn rules. */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatItem, ContentPart } from './chat-items';

type TurnContent = string | Anthropic.ContentBlockParam[];

/** One turn of the Messages API (the SDK's own type also allows a `system` role we never send). */
export interface AnthropicTurn {
  role: 'user' | 'assistant';
  content: TurnContent;
}

/**
 * The items as alternating user/assistant turns starting with the user, as the API requires: tool calls join the
 * assistant's turn, tool results the next user turn, same-role neighbours merge, empty messages and leading
 * assistant turns are dropped.
 */
export function toAnthropicMessages(items: readonly ChatItem[]): AnthropicTurn[] {
  const merged: AnthropicTurn[] = [];
  for (const item of items) {
    const turn = toTurn(item);
    if (isEmpty(turn.content)) continue;
    const last = merged[merged.length - 1];
    if (last && last.role === turn.role) last.content = merge(last.content, turn.content);
    else merged.push(turn);
  }
  while (merged[0]?.role === 'assistant') merged.shift();
  return merged;
}

function toTurn(item: ChatItem): AnthropicTurn {
  switch (item.type) {
    case 'message':
      return {
        role: item.role,
        content: typeof item.content === 'string' ? item.content : item.content.map(toBlock),
      };
    case 'tool_call':
      return { role: 'assistant', content: [{ type: 'tool_use', id: item.id, name: item.name, input: item.input }] };
    case 'tool_result':
      return {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: item.toolCallId,
            content: item.output,
            ...(item.isError ? { is_error: true } : {}),
          },
        ],
      };
  }
}

function toBlock(part: ContentPart): Anthropic.TextBlockParam | Anthropic.ImageBlockParam {
  return part.type === 'text'
    ? { type: 'text', text: part.text }
    : { type: 'image', source: { type: 'base64', media_type: part.mediaType, data: part.data } };
}

function isEmpty(content: TurnContent): boolean {
  return typeof content === 'string' ? !content.trim() : content.length === 0;
}

function asBlocks(content: TurnContent): Anthropic.ContentBlockParam[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function merge(a: TurnContent, b: TurnContent): TurnContent {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n${b}`;
  return [...asBlocks(a), ...asBlocks(b)];
}
