import { ApplicationFailure } from '@temporalio/activity';
import {
  assistantMessage,
  hasUserContent,
  userMessage,
  type ChatItem,
  type ContentPart,
} from '../src/agent/chat-items';
import type { ChatModel } from '../src/agent/chat-model';
import { fromLegacyTurns, type LegacyTurn } from '../src/agent/legacy-turns';
import { defaultAgentFrom } from '../src/agents/default-agent';
import type { RoutedToolCall } from '../src/agents/tool-calls';
import { modelToolSpecs, routeToolCalls, toolSpecsFor } from '../src/agents/tools/offering';
import { mediaDigestsToPrompt } from '../src/media/digest';
import type { Config } from '../src/config/schema';
import type { CustomerMemoryStore } from '../src/memory/customer-memory';
import type { HistoryMessage, MessageStore } from '../src/memory/message-store';
import { postConversationReply } from '../src/conversations/post-reply';
import type { InboundMessage } from '../src/messaging/inbound';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { twilioFailure } from '../src/telephony/twilio/errors';
import { sendSms } from '../src/messaging/send-sms';
import type { ConsentStore } from '../src/messaging/consent-store';
import type { PublishEvent } from '../src/events/publish';
import type { ConversationStore } from '../src/conversations/conversation-store';
import { refuseIfOptedOut } from '../src/messaging/consent-guard';
import { parseTwilioAddress } from '../src/messaging/addresses';

export interface MessagingDeps {
  config: () => Config;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  twilio: TwilioAccounts;
  consent: ConsentStore;
  publish: PublishEvent;
  /** The participants of Conversations we know of: a reply posted in one reaches each of them. */
  conversations: ConversationStore;
  /** Undefined when no model is configured; generateReply then fails without retrying. */
  chatModel: () => ChatModel | undefined;
}

export interface SendMessageInput {
  /** Same key, same message: a retried activity never sends twice once Twilio accepted it. */
  idempotencyKey: string;
  customerId: string;
  accountSid: string;
  from: string;
  to: string;
  body?: string;
  /** Send the configured polite fallback instead of `body`. */
  fallback?: boolean;
  /** Reply inside this Twilio Conversation (Conversations API) instead of the Messages API. */
  conversationSid?: string;
  /** Why it is sent (default `reply`): picks the WhatsApp template outside the 24-hour window. */
  purpose?: 'reply' | 'follow_up';
}

function systemPromptWithMemory(base: string, summary: string | undefined): string {
  return summary ? `${base}\n\nWhat you remember about this customer from earlier conversations:\n${summary}` : base;
}

/** Images cost tokens: only the newest few messages carry theirs; older ones are mentioned. */
const IMAGE_MESSAGES_IN_CONTEXT = 2;

function toItems(history: HistoryMessage[]): ChatItem[] {
  let imageMessages = 0;
  const items = [...history].reverse().map((m): ChatItem => {
    if (m.direction === 'outbound') return assistantMessage(m.body);
    if (!m.mediaDigests?.length) return userMessage(m.body);
    const { content, customerNote } = mediaDigestsToPrompt(m.mediaDigests);
    const keepImages = content.some((p) => p.type === 'image') && imageMessages++ < IMAGE_MESSAGES_IN_CONTEXT;
    const parts: ContentPart[] = content.map((p) =>
      p.type === 'image' && !keepImages ? { type: 'text', text: '[an image the customer sent earlier]' } : p,
    );
    if (m.body.trim()) parts.unshift({ type: 'text', text: m.body });
    if (customerNote) parts.push({ type: 'text', text: `[Tell the customer politely: ${customerNote}]` });
    return userMessage(parts);
  });
  return items.reverse();
}

function transcriptOf(messages: HistoryMessage[]): string {
  return messages
    .map(
      (m) =>
        `${m.direction === 'inbound' ? 'Customer' : 'Agent'} (${m.channel}, ${m.createdAt.toISOString()}): ${m.body}`,
    )
    .join('\n');
}

/**
 * The numbers a message posted in the Conversation reaches by SMS or WhatsApp: the participant it
 * answers when that is a number, and every current participant we know of with a messaging
 * binding. Consent belongs to numbers (chat participants are reached in an app, where opting out
 * by keyword does not apply).
 */
async function conversationNumbers(
  conversations: ConversationStore,
  conversationSid: string,
  to: string,
): Promise<string[]> {
  const participants = (await conversations.get(conversationSid))?.participants ?? [];
  const addresses = [to, ...participants.flatMap((p) => (p.address ? [p.address] : []))];
  return [...new Set(addresses.filter((a) => parseTwilioAddress(a).channel !== 'conversations'))];
}

export function createMessagingActivities(deps: MessagingDeps) {
  return {
    /** Stores the inbound message in the customer's history (idempotent by MessageSid). */
    async recordInbound(input: { customerId: string; message: InboundMessage }): Promise<void> {
      const { message } = input;
      await deps.messages.recordOnce({
        id: message.messageSid,
        customerId: input.customerId,
        accountSid: message.accountSid,
        direction: 'inbound',
        channel: message.channel,
        from: message.from,
        to: message.to,
        body: message.body,
        media: message.media,
        status: 'received',
        createdAt: new Date(message.receivedAt),
      });
    },

    /**
     * Asks the model for the next reply, given the customer's recent history across channels and
     * `scratch`: this answer's tool calls and results so far. Returns either the reply text or
     * the tools the model wants run first (the workflow runs them durably and asks again).
     */
    async generateReply(input: {
      customerId: string;
      /** Chat items; a run scheduled before they existed sends Anthropic-shaped turns, read all the same. */
      scratch?: Array<ChatItem | LegacyTurn>;
    }): Promise<{ text: string; toolCalls: RoutedToolCall[]; historyFull: boolean }> {
      const model = deps.chatModel();
      if (!model)
        throw ApplicationFailure.nonRetryable(
          "No language model configured for the agent (set ANTHROPIC_API_KEY, or the variable its model's apiKeyEnv names)",
          'LlmNotConfigured',
        );
      const memory = await deps.memory.get(input.customerId);
      const history = await deps.messages.recent(
        input.customerId,
        deps.config().messaging.historyBudget,
        memory?.summarizedThrough,
      );
      const items = [...toItems(history), ...fromLegacyTurns(input.scratch ?? [])];
      if (!hasUserContent(items))
        throw ApplicationFailure.nonRetryable('Nothing to answer: history is empty', 'EmptyHistory');
      // Merge seam (agents-core): the conversation's routed agent replaces the default one.
      const agent = defaultAgentFrom(deps.config());
      const tools = toolSpecsFor(agent, 'messaging');
      const reply = await model.complete({
        system: systemPromptWithMemory(deps.config().agent.systemPrompt, memory?.summary),
        items,
        tools: modelToolSpecs(tools),
      });
      const text = reply.text.trim();
      if (!text && reply.toolCalls.length === 0)
        throw ApplicationFailure.retryable('The model returned an empty reply', 'EmptyReply');
      // A full window means older messages may be waiting to be summarized; otherwise no check is needed.
      return {
        text,
        // Each call with where it runs (the workflow dispatches on it); one the model was not offered has none.
        toolCalls: routeToolCalls(reply.toolCalls, tools),
        historyFull: history.length >= deps.config().messaging.historyBudget,
      };
    },

    /**
     * When unsummarized history outgrows its budget, folds all but the newest messages into the
     * customer's long-term summary (names, orders, promises survive; small talk does not).
     */
    async summarizeHistoryIfNeeded(input: { customerId: string }): Promise<{ summarized: number }> {
      const { historyBudget, keepRecent } = deps.config().messaging;
      const memory = await deps.memory.get(input.customerId);
      const pending = await deps.messages.countAfter(input.customerId, memory?.summarizedThrough);
      if (pending <= historyBudget) return { summarized: 0 };
      const model = deps.chatModel();
      if (!model) return { summarized: 0 };
      const unsummarized = await deps.messages.recent(input.customerId, pending, memory?.summarizedThrough);
      const fold = unsummarized.slice(0, Math.max(0, unsummarized.length - keepRecent));
      if (fold.length === 0) return { summarized: 0 };
      const reply = await model.complete({
        system: deps.config().agent.summaryPrompt,
        items: [
          userMessage(
            `Existing summary:\n${memory?.summary ?? '(none)'}\n\nConversation excerpt to fold in:\n${transcriptOf(fold)}`,
          ),
        ],
      });
      const summary = reply.text.trim();
      if (!summary) throw ApplicationFailure.retryable('The model returned an empty summary', 'EmptySummary');
      await deps.memory.save({ customerId: input.customerId, summary, summarizedThrough: fold[fold.length - 1]!.seq });
      return { summarized: fold.length };
    },

    /** Sends a message on the customer's channel, once: a Conversation message, else an SMS/WhatsApp message. */
    async sendMessage(input: SendMessageInput): Promise<{ twilioSid: string }> {
      const body = input.fallback ? deps.config().agent.fallbackReply : input.body;
      if (!body) throw ApplicationFailure.nonRetryable('sendMessage needs a body or fallback', 'BadInput');
      const { idempotencyKey, customerId, accountSid, from, to, conversationSid } = input;
      const purpose = input.purpose ?? 'reply';
      if (!conversationSid) return sendSms(deps, { idempotencyKey, customerId, accountSid, from, to, body, purpose });
      const already = await deps.messages.get(idempotencyKey);
      if (already?.twilioSid) return { twilioSid: already.twilioSid };
      // A message posted in a Conversation reaches every participant: no number among them may be opted out.
      for (const address of await conversationNumbers(deps.conversations, conversationSid, to))
        await refuseIfOptedOut(deps, { accountSid, from, to: address, key: idempotencyKey }, 'message');
      await deps.messages.recordOnce({
        id: idempotencyKey,
        customerId,
        accountSid,
        direction: 'outbound',
        channel: 'conversations',
        from,
        to,
        body,
        status: 'sending',
      });
      try {
        // Inside a Conversation the reply is a conversation message by the agent, not an SMS.
        const posted = await postConversationReply(deps.twilio.client(accountSid), {
          conversationSid,
          author: deps.config().conversations.agentIdentity,
          body,
          idempotencyKey,
        });
        // Twilio accepted it into the conversation; per-participant delivery arrives as onDeliveryUpdated.
        await deps.messages.markSent(idempotencyKey, posted.sid, 'accepted');
        return { twilioSid: posted.sid };
      } catch (error) {
        throw twilioFailure(error, 'send the message');
      }
    },
  };
}
