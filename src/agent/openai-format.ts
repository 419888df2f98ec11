/**
 * Our chat items in the shape of OpenAI's Chat Completions API, as OpenAI-compatible servers (Ollama, vLLM,
 * llama.cpp's server) accept it: the only place that knows its messages and their order rules.
 */
import type OpenAI from 'openai';
import type { ToolSpec } from './chat-model';
import type { ChatItem, ContentPart } from './chat-items';

type Message = OpenAI.ChatCompletionMessageParam;
type UserContent = string | OpenAI.ChatCompletionContentPart[];
type ToolCallParam = OpenAI.ChatCompletionMessageFunctionToolCall;

/** One turn before merging: what a user or the assistant said, a tool call, or a tool's answer. */
type Piece =
  | { role: 'user'; content: UserContent }
  | { role: 'assistant'; text: string; toolCalls: ToolCallParam[] }
  | { role: 'tool'; toolCallId: string; content: string };

/**
 * The system prompt, then the items as messages: a tool call joins the assistant message before it (text and
 * `tool_calls` in one message, as the API returns them), each tool result is a `tool` message, same-role neighbours
 * merge (many servers' chat templates insist that user and assistant alternate), empty messages and assistant
 * messages before the first user message are dropped.
 */
export function toOpenAiMessages(system: string, items: readonly ChatItem[]): Message[] {
  const pieces: Piece[] = [];
  for (const item of items) {
    const piece = toPiece(item);
    if (piece === undefined) continue;
    const last = pieces[pieces.length - 1];
    if (last?.role === 'user' && piece.role === 'user') last.content = mergeUser(last.content, piece.content);
    else if (last?.role === 'assistant' && piece.role === 'assistant') {
      last.text = [last.text, piece.text].filter(Boolean).join('\n');
      last.toolCalls.push(...piece.toolCalls);
    } else pieces.push(piece);
  }
  while (pieces[0] && pieces[0].role !== 'user') pieces.shift();
  const messages: Message[] = system.trim() ? [{ role: 'system', content: system }] : [];
  return [...messages, ...pieces.map(toMessage)];
}

/** Our tool specs as function tools (the JSON Schema of the input is the function's parameters). */
export function toOpenAiTools(tools: readonly ToolSpec[]): OpenAI.ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));
}

function toPiece(item: ChatItem): Piece | undefined {
  switch (item.type) {
    case 'message': {
      if (item.role === 'assistant') {
        // Assistant messages carry text only; an image can only have come from the customer.
        const text = typeof item.content === 'string' ? item.content : textOf(item.content);
        return text.trim() ? { role: 'assistant', text, toolCalls: [] } : undefined;
      }
      if (typeof item.content === 'string')
        return item.content.trim() ? { role: 'user', content: item.content } : undefined;
      return item.content.length ? { role: 'user', content: item.content.map(toPart) } : undefined;
    }
    case 'tool_call':
      return {
        role: 'assistant',
        text: '',
        toolCalls: [
          { id: item.id, type: 'function', function: { name: item.name, arguments: JSON.stringify(item.input) } },
        ],
      };
    case 'tool_result':
      // The API has no error flag on a tool's answer: the model is told in words.
      return {
        role: 'tool',
        toolCallId: item.toolCallId,
        content: item.isError ? `Error: ${item.output}` : item.output,
      };
  }
}

function toMessage(piece: Piece): Message {
  switch (piece.role) {
    case 'user':
      return { role: 'user', content: piece.content };
    case 'tool':
      return { role: 'tool', tool_call_id: piece.toolCallId, content: piece.content };
    case 'assistant':
      // `content: null` beside tool calls is how the API itself returns such a message, so every server reads it.
      return piece.toolCalls.length
        ? { role: 'assistant', content: piece.text || null, tool_calls: piece.toolCalls }
        : { role: 'assistant', content: piece.text };
  }
}

function toPart(part: ContentPart): OpenAI.ChatCompletionContentPart {
  return part.type === 'text'
    ? { type: 'text', text: part.text }
    : { type: 'image_url', image_url: { url: `data:${part.mediaType};base64,${part.data}` } };
}

function textOf(parts: readonly ContentPart[]): string {
  return parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
}

function asParts(content: UserContent): OpenAI.ChatCompletionContentPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function mergeUser(a: UserContent, b: UserContent): UserContent {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n${b}`;
  return [...asParts(a), ...asParts(b)];
}
