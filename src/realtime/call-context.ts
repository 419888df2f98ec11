import { hasUserContent, type ChatItem } from '../agent/chat-items';
import type { Config } from '../config/schema';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { MessageStore } from '../memory/message-store';

/** Earlier messages the voice agent sees: enough to pick up a dropped call or an SMS thread. */
const HISTORY_MESSAGES = 30;

export interface CallContext {
  system: string;
  /** The customer's earlier conversation (SMS, WhatsApp, earlier calls), oldest first. */
  history: ChatItem[];
}

/** Loaded once when the stream starts, in parallel with the greeting. */
export async function loadCallContext(
  deps: { messages: MessageStore; memory: CustomerMemoryStore },
  config: Config,
  customerId: string,
  caller: string,
): Promise<CallContext> {
  const [memory, recent] = customerId
    ? await Promise.all([deps.memory.get(customerId), deps.messages.recent(customerId, HISTORY_MESSAGES)])
    : [undefined, []];
  const history = (recent ?? [])
    .filter((m) => !memory?.summarizedThrough || m.seq > memory.summarizedThrough)
    .map((m): ChatItem => ({
      type: 'message',
      role: m.direction === 'inbound' ? 'user' : 'assistant',
      content:
        m.channel === 'voice' ? m.body : `[${m.channel} message, ${m.createdAt.toISOString().slice(0, 16)}] ${m.body}`,
    }));
  const parts = [config.voice.systemPrompt];
  if (caller) parts.push(`The caller's phone number is ${caller}.`);
  if (memory?.summary)
    parts.push(`What you remember about this customer from earlier conversations:\n${memory.summary}`);
  // As the model will see it: nothing before the customer's first words counts.
  if (hasUserContent(history))
    parts.push('The messages before this call are your earlier conversation with this customer (texts and calls).');
  return { system: parts.join('\n\n'), history };
}
