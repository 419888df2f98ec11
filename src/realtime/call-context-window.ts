/**
 * A long call's own turns, bounded for the model: without a cap, every turn of a two-hour call
 * would be sent with every reply (cost and latency grow, and the model's context fills). The
 * system prompt, the customer's memory summary and earlier history are in `CallContext` and stay;
 * of this call, the newest turns are kept. The whole call is still in the transcript (the call
 * workflow gets every turn).
 */
import { userMessage, type ChatItem } from '../agent/chat-items';

interface CallContextLimits {
  /** Items (caller and agent turns) kept: 40 exchanges. */
  maxItems: number;
  /** Characters of text kept, about 8k tokens: a few long answers cannot fill the window either. */
  maxChars: number;
}

export const CALL_CONTEXT_LIMITS: CallContextLimits = { maxItems: 80, maxChars: 32_000 };

/** Opens the first kept caller turn, so the model knows it is not the start of the call. */
export const LEFT_OUT_NOTE = '(Earlier parts of this call are left out.)';

/**
 * Drops the oldest items in place until the limits hold, starting the rest at a caller turn (a
 * model conversation opens with the user). The newest two items always stay. Returns how many went.
 */
export function boundCallItems(items: ChatItem[], limits: CallContextLimits = CALL_CONTEXT_LIMITS): number {
  let chars = items.reduce((sum, item) => sum + charsOf(item), 0);
  let drop = 0;
  while (items.length - drop > 2 && (items.length - drop > limits.maxItems || chars > limits.maxChars)) {
    chars -= charsOf(items[drop]!);
    drop++;
  }
  while (drop > 0 && drop < items.length - 1 && !isCallerTurn(items[drop]!)) drop++;
  if (drop === 0) return 0;
  items.splice(0, drop);
  const first = items[0]!;
  if (first.type === 'message' && first.role === 'user' && typeof first.content === 'string')
    items[0] = userMessage(`${LEFT_OUT_NOTE} ${first.content}`);
  return drop;
}

function isCallerTurn(item: ChatItem): boolean {
  return item.type === 'message' && item.role === 'user';
}

function charsOf(item: ChatItem): number {
  switch (item.type) {
    case 'message':
      return typeof item.content === 'string'
        ? item.content.length
        : item.content.reduce((sum, part) => sum + (part.type === 'text' ? part.text.length : 0), 0);
    case 'tool_call':
      return JSON.stringify(item.input).length;
    case 'tool_result':
      return item.output.length;
  }
}
