/** Scripting helpers: reply builders, conversation text extraction, the default echo responder and rule-based responders. */
import type { EmulatedBlock, EmulatedReply, RecordedRequest, RequestContentBlock, Responder } from './types';

export function textReply(text: string): EmulatedReply {
  return { blocks: [{ type: 'text', text }] };
}

/** A tool call, optionally preceded by text (the model often says something before calling a tool). */
export function toolUseReply(
  name: string,
  input: Record<string, unknown>,
  options: { text?: string; id?: string } = {},
): EmulatedReply {
  const blocks: EmulatedBlock[] = options.text === undefined ? [] : [{ type: 'text', text: options.text }];
  blocks.push(
    options.id === undefined ? { type: 'tool_use', name, input } : { type: 'tool_use', name, input, id: options.id },
  );
  return { blocks };
}

/** Plain text of a message's content; tool_result blocks contribute their own text content. */
function contentText(content: string | RequestContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content
    .map((block) => {
      if (typeof block.text === 'string') return block.text;
      if (block.type === 'tool_result' && block.content !== undefined) return contentText(block.content);
      return '';
    })
    .filter((text) => text.length > 0)
    .join('\n');
}

export function lastUserText(request: RecordedRequest): string {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
  return lastUser === undefined ? '' : contentText(lastUser.content);
}

/** System prompt plus every message, one per line, for predicates that look at the whole exchange. */
export function conversationText(request: RecordedRequest): string {
  const system = request.system === undefined ? [] : [contentText(request.system)];
  return [...system, ...request.messages.map((message) => contentText(message.content))].join('\n');
}

/** Default behaviour: a deterministic answer so a stack with no scripted model still talks. */
export const echoResponder: Responder = (request) => textReply(`You said: ${lastUserText(request)}`);

export interface ResponderRule {
  /** A RegExp is tested against the last user message text; a function sees the whole request. */
  when: RegExp | ((request: RecordedRequest) => boolean);
  reply:
    | EmulatedReply
    | string
    | ((request: RecordedRequest, match: RegExpMatchArray | null) => EmulatedReply | Promise<EmulatedReply>);
}

/** First matching rule wins; requests no rule matches go to `fallback` (the echo responder by default). */
export function rulesResponder(rules: ResponderRule[], fallback: Responder = echoResponder): Responder {
  return (request) => {
    for (const rule of rules) {
      const match = rule.when instanceof RegExp ? lastUserText(request).match(rule.when) : null;
      const matched = rule.when instanceof RegExp ? match !== null : rule.when(request);
      if (!matched) continue;
      if (typeof rule.reply === 'string') return textReply(rule.reply);
      if (typeof rule.reply === 'function') return rule.reply(request, match);
      return rule.reply;
    }
    return fallback(request);
  };
}
