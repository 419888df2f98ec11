/** Scripting helpers: reply builders, reading the conversation out of a request, the default echo responder. */
import type { EmulatedReply, RecordedRequest, RequestMessage, Responder } from './types';

export function textReply(text: string): EmulatedReply {
  return { text };
}

/** One tool call, optionally with text before it (models often say something first). */
export function toolCallReply(
  name: string,
  args: Record<string, unknown> | string,
  options: { text?: string; id?: string } = {},
): EmulatedReply {
  return {
    ...(options.text === undefined ? {} : { text: options.text }),
    toolCalls: [{ name, arguments: args, ...(options.id === undefined ? {} : { id: options.id }) }],
  };
}

function messageText(message: RequestMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.flatMap((part) => (typeof part.text === 'string' ? [part.text] : [])).join('\n');
}

function lastUserText(request: RecordedRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  return last ? messageText(last) : '';
}

/** What the tools answered in this request (the `tool` messages), in order. */
export function toolResults(request: RecordedRequest): string[] {
  return request.messages.filter((m) => m.role === 'tool').map(messageText);
}

/** Default behaviour: a deterministic answer, so a stack with no scripted model still talks. */
export const echoResponder: Responder = (request) => textReply(`You said: ${lastUserText(request)}`);
