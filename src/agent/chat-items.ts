/**
 * The conversation as the agent sees it, in the project's own terms (modelled on LiveKit's ChatContext items): the
 * words of each side, the tools the model called and what they returned. Provider formats are built from these only
 * inside a model adapter (Anthropic: `anthropic-format.ts`). Plain data: workflows carry these in payloads.
 */
import type { ImageMediaType } from '../media/media-types';

export interface TextPart {
  type: 'text';
  text: string;
}

/** An image the customer sent, inline. */
interface ImagePart {
  type: 'image';
  mediaType: ImageMediaType;
  /** The image's bytes, base64-encoded. */
  data: string;
}

export type ContentPart = TextPart | ImagePart;

/** What one side said: plain text, or parts (text and images). */
export interface MessageItem {
  type: 'message';
  role: 'user' | 'assistant';
  content: string | ContentPart[];
}

/** The model asked for a tool (`id` is the model's tool-use id). */
interface ToolCallItem {
  type: 'tool_call';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** What a tool returned, given back to the model. */
interface ToolResultItem {
  type: 'tool_result';
  /** The {@link ToolCallItem.id} this answers. */
  toolCallId: string;
  output: string;
  isError: boolean;
}

export type ChatItem = MessageItem | ToolCallItem | ToolResultItem;

export function userMessage(content: MessageItem['content']): MessageItem {
  return { type: 'message', role: 'user', content };
}

export function assistantMessage(content: MessageItem['content']): MessageItem {
  return { type: 'message', role: 'assistant', content };
}

/**
 * Whether the user side says anything (a non-empty message or a tool result): a conversation the model can answer.
 * Models take turns starting with the user, so without this there is nothing to send.
 */
export function hasUserContent(items: readonly ChatItem[]): boolean {
  return items.some(
    (item) =>
      item.type === 'tool_result' ||
      (item.type === 'message' &&
        item.role === 'user' &&
        (typeof item.content === 'string' ? item.content.trim() !== '' : item.content.length > 0)),
  );
}
