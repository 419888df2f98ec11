/**
 * Reads conversation turns in the shape workflows carried before chat items existed (Anthropic's blocks): an
 * activity scheduled by an old run still gets such a payload after a deploy.
 */
import type { ChatItem, ContentPart } from './chat-items';

/** A block of the old turns, as far as we ever wrote them (text, images, tool calls and their results). */
type LegacyBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | {
      type: 'tool_result';
      tool_use_id: string;
      content?: string | Array<{ type: string; text?: string }>;
      is_error?: boolean;
    };

export interface LegacyTurn {
  role: 'user' | 'assistant';
  content: string | LegacyBlock[];
}

function isLegacyTurn(entry: ChatItem | LegacyTurn): entry is LegacyTurn {
  return !('type' in entry);
}

/** Chat items from a mix of items and old turns (each old block becomes the item it meant, in order). */
export function fromLegacyTurns(entries: ReadonlyArray<ChatItem | LegacyTurn>): ChatItem[] {
  const items: ChatItem[] = [];
  for (const entry of entries) {
    if (!isLegacyTurn(entry)) items.push(entry);
    else if (typeof entry.content === 'string')
      items.push({ type: 'message', role: entry.role, content: entry.content });
    else items.push(...blocksToItems(entry.role, entry.content));
  }
  return items;
}

function blocksToItems(role: LegacyTurn['role'], blocks: LegacyBlock[]): ChatItem[] {
  const items: ChatItem[] = [];
  let parts: ContentPart[] = [];
  const flush = () => {
    if (parts.length) items.push({ type: 'message', role, content: parts });
    parts = [];
  };
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: block.text });
        break;
      case 'image':
        parts.push({
          type: 'image',
          mediaType: block.source.media_type as Extract<ContentPart, { type: 'image' }>['mediaType'],
          data: block.source.data,
        });
        break;
      case 'tool_use':
        flush();
        items.push({ type: 'tool_call', id: block.id, name: block.name, input: block.input });
        break;
      case 'tool_result':
        flush();
        items.push({
          type: 'tool_result',
          toolCallId: block.tool_use_id,
          output: resultText(block.content),
          isError: block.is_error ?? false,
        });
        break;
    }
  }
  flush();
  return items;
}

function resultText(content: Extract<LegacyBlock, { type: 'tool_result' }>['content']): string {
  if (content === undefined || typeof content === 'string') return content ?? '';
  return content.map((part) => part.text ?? '').join('');
}
