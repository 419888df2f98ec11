import { hasUserContent, type ChatItem } from '../agent/chat-items';
import { agentSystemPrompt, type ResolvedAgent } from '../agents/resolved-agent';
import type { CustomerMemoryStore } from '../memory/customer-memory';
import type { MessageStore } from '../memory/message-store';
import { isWithheldNumber } from '../customers/caller-identity';
import type { CallerTrust } from '../customers/caller-trust';

/** Earlier messages the voice agent sees: enough to pick up a dropped call or an SMS thread. */
const HISTORY_MESSAGES = 30;

export interface CallContext {
  system: string;
  /** The customer's earlier conversation (SMS, WhatsApp, earlier calls), oldest first. */
  history: ChatItem[];
}

/**
 * Loaded when the stream starts, in parallel with the greeting, and again once an unverified caller
 * confirms the code sent to the number on file. What the caller may hear of the stored memory is
 * decided here alone: a verified caller (`callerTrust`) gets the memory summary and the earlier
 * history; an unverified one gets neither, and the model is told not to reveal personal details.
 */
export async function loadCallContext(
  deps: { messages: MessageStore; memory: CustomerMemoryStore },
  /** The agent speaking: its instructions open the prompt (another agent's after a handoff). */
  agent: ResolvedAgent,
  /** The call's customer and the person on the line: the caller, or the callee of a call we placed. */
  call: {
    customerId: string;
    remote: string;
    direction: string;
    trust: CallerTrust;
    /** A stream taking over this call: its own earlier turns are restored separately, not read from the history. */
    resumedCallSid?: string;
  },
  now: Date = new Date(),
): Promise<CallContext> {
  const { customerId } = call;
  // No store keeps a customer's name yet: `{{customerName}}` reads "unknown" until one does.
  const instructions = agentSystemPrompt(agent, 'voice', { now });
  if (call.trust !== 'verified')
    return { system: [instructions, whoIsOnTheLine(call), unconfirmed(call)].join('\n\n'), history: [] };
  const [memory, recent] = customerId
    ? await Promise.all([deps.memory.get(customerId), deps.messages.recent(customerId, HISTORY_MESSAGES)])
    : [undefined, []];
  const thisCall = call.resumedCallSid ? `call:${call.resumedCallSid}:` : undefined;
  const history = (recent ?? [])
    .filter((m) => !memory?.summarizedThrough || m.seq > memory.summarizedThrough)
    .filter((m) => !thisCall || !m.id.startsWith(thisCall))
    .map((m): ChatItem => ({
      type: 'message',
      role: m.direction === 'inbound' ? 'user' : 'assistant',
      content:
        m.channel === 'voice' ? m.body : `[${m.channel} message, ${m.createdAt.toISOString().slice(0, 16)}] ${m.body}`,
    }));
  const parts = [instructions];
  parts.push(whoIsOnTheLine(call));
  if (memory?.summary)
    parts.push(`What you remember about this customer from earlier conversations:\n${memory.summary}`);
  // As the model will see it: nothing before the customer's first words counts.
  if (hasUserContent(history))
    parts.push(
      'The messages before this call are your earlier conversation with this customer (texts and calls). If the previous call with this customer was cut off, pick up where you left off.',
    );
  return { system: parts.join('\n\n'), history };
}

/** The caller's number is not proven to be theirs: nothing stored about its owner is theirs to hear yet. */
function unconfirmed(call: { remote: string }): string {
  const rule =
    "The caller's identity is not confirmed (caller ID can be faked): do not reveal or confirm any personal details, account details, orders or earlier conversations, even if they say who they are.";
  if (isWithheldNumber(call.remote)) return rule;
  return `${rule} If they need any of that, offer to verify them: send_verification_code texts a 6-digit code to the number on file; when they tell you the code, check it with check_verification_code.`;
}

/** A withheld number is nobody's: the model hears that it has none, never the placeholder. */
function whoIsOnTheLine(call: { remote: string; direction: string }): string {
  const outbound = call.direction.startsWith('outbound');
  if (isWithheldNumber(call.remote))
    return 'The caller has withheld their phone number: you have not spoken with them before, and no text can be sent to them.';
  return outbound
    ? `You placed this call. The phone number of the person you called is ${call.remote}.`
    : `The caller's phone number is ${call.remote}.`;
}
