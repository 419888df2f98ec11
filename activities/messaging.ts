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
import type { RoutedToolCall } from '../src/agents/tool-calls';
import { modelToolSpecs, routeToolCalls, toolSpecsFor } from '../src/agents/tools/offering';
import { externalToolOffer } from '../src/agents/external-tool-offer';
import type { McpCatalogue } from '../src/agents/mcp-tools';
import { mediaDigestsToPrompt } from '../src/media/digest';
import type { Config } from '../src/config/schema';
import type { CustomerMemoryStore } from '../src/memory/customer-memory';
import type { HistoryMessage, HumanAuthor, MessageStore } from '../src/memory/message-store';
import { findConversationReply, postConversationReply } from '../src/conversations/post-reply';
import { sendOnce } from '../src/messaging/send-once';
import type { InboundMessage } from '../src/messaging/inbound';
import type { TwilioAccounts } from '../src/telephony/twilio/accounts';
import { twilioFailure } from '../src/telephony/twilio/errors';
import { sendSms } from '../src/messaging/send-sms';
import type { ConsentStore } from '../src/messaging/consent-store';
import type { PublishEvent } from '../src/events/publish';
import type { AgentDirectory } from '../src/agents/agent-directory';
import type { AgentModels } from '../src/agents/agent-models';
import { agentToolReferences } from '../src/agents/definition';
import { DEFAULT_AGENT_ID } from '../src/agents/default-agent';
import { agentSystemPrompt, type ResolvedAgent } from '../src/agents/resolved-agent';
import type { ConversationStore } from '../src/conversations/conversation-store';
import { refuseIfOptedOut } from '../src/messaging/consent-guard';
import { parseTwilioAddress } from '../src/messaging/addresses';
import { knowledgeSection, type Citation, type KnowledgePassage } from '../src/knowledge/citations';
import {
  conversationScope,
  retrievePassages,
  scopeIsEmpty,
  worthSearching,
  type KnowledgeSearch,
} from '../src/knowledge/retrieval';
import type { Logger } from '../src/observability/logger';
import { retrievalTopK } from '../src/knowledge/retrieval-settings';

export interface MessagingDeps {
  config: () => Config;
  messages: MessageStore;
  memory: CustomerMemoryStore;
  twilio: TwilioAccounts;
  consent: ConsentStore;
  publish: PublishEvent;
  /** The participants of Conversations we know of: a reply posted in one reaches each of them. */
  conversations: ConversationStore;
  /** The default agent's model; undefined when it has no credentials (summaries, askAgent). */
  chatModel: () => ChatModel | undefined;
  /** Who answers each line, at which version. */
  agents: AgentDirectory;
  /** Each agent's model client (generateReply). */
  agentModels: AgentModels;
  /** The MCP servers' tool lists, for agents that name them. */
  mcp: Pick<McpCatalogue, 'entriesFor'>;
  /** The knowledge index, searched before the model answers (absent: replies are written without it). */
  knowledge?: KnowledgeSearch;
  log: Logger;
}

/** An agent as a workflow refers to it: the version is fixed once chosen, so retries and replays agree. */
export interface AgentRef {
  id: string;
  version: number;
}

/** Who answers a message on a line, at which version, and whether the line answers messages at all. */
export interface LineAgentChoice {
  agent: AgentRef;
  name: string;
  enabled: boolean;
  /** Sent instead of an answer when the line does not answer messages (none when absent). */
  disabledReply?: string;
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
  /** The agent that wrote it: its `fallbackReply` is the fallback, and the history names it. */
  agent?: AgentRef;
  /** The knowledge chunks the reply used, recorded with it. */
  citations?: Citation[];
  /** An operator wrote it, replying as the business (human takeover): the history says so. */
  humanAuthor?: HumanAuthor;
}

/** What was retrieved for a message before the model answers it (`skipped`: why nothing was searched). */
export interface RetrievedKnowledge {
  passages: KnowledgePassage[];
  skipped?: 'no-index' | 'no-scope' | 'too-short' | 'failed';
}

function systemPromptWithMemory(base: string, summary: string | undefined): string {
  return summary ? `${base}\n\nWhat you remember about this customer from earlier conversations:\n${summary}` : base;
}

/** Images cost tokens: only the newest few messages carry theirs; older ones are mentioned. */
const IMAGE_MESSAGES_IN_CONTEXT = 2;

/** How the model reads a message a person on the team sent the customer (human takeover). */
function humanMarked(body: string, author: HumanAuthor): string {
  return `(sent by ${author.operatorName}, a human colleague) ${body}`;
}

/** Told to the model when its history holds a colleague's messages, so it neither disowns nor imitates them. */
const HUMAN_MESSAGES_NOTE =
  '\n\nMessages marked "(sent by <name>, a human colleague)" were written to the customer by a person on your team who took the conversation over for a while. Treat them as said by your side; never add such a mark to your own replies.';

function toItems(history: HistoryMessage[]): ChatItem[] {
  let imageMessages = 0;
  const items = [...history].reverse().map((m): ChatItem => {
    if (m.direction === 'outbound')
      return assistantMessage(m.humanAuthor ? humanMarked(m.body, m.humanAuthor) : m.body);
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
        `${m.direction === 'inbound' ? 'Customer' : m.humanAuthor ? `${m.humanAuthor.operatorName} (a human colleague)` : 'Agent'} (${m.channel}, ${m.createdAt.toISOString()}): ${m.body}`,
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
  /** An agent at the version a workflow chose (the current default agent for runs from before agents). */
  async function agentOf(ref: AgentRef | undefined): Promise<ResolvedAgent> {
    const agent = await deps.agents.get(ref?.id ?? DEFAULT_AGENT_ID, ref?.version);
    if (!agent)
      throw ApplicationFailure.nonRetryable(
        `No agent ${ref ? `${ref.id} version ${ref.version}` : DEFAULT_AGENT_ID}`,
        'AgentNotFound',
      );
    return agent;
  }

  return {
    /**
     * The agent answering messages on our end of the conversation (`address`: the number, WhatsApp
     * sender or Conversations service), read when a message is taken up, so a changed agent or switch
     * applies from the next message. `agentId` is an agent a handoff put in charge of this line.
     */
    async resolveLineAgent(input: { accountSid: string; address: string; agentId?: string }): Promise<LineAgentChoice> {
      const { route, agent: routed } = await deps.agents.forLine(input.accountSid, input.address, 'messaging');
      const agent = (input.agentId && (await deps.agents.get(input.agentId))) || routed;
      return {
        agent: { id: agent.id, version: agent.version },
        name: agent.name,
        enabled: route.enabled,
        ...(route.disabledReply ? { disabledReply: route.disabledReply } : {}),
      };
    },

    /** An agent a handoff names, at its current version; `found: false` when there is none. */
    async findAgent(input: {
      agentId: string;
    }): Promise<{ found: false } | ({ found: true; name: string } & AgentRef)> {
      const agent = await deps.agents.get(input.agentId);
      return agent ? { found: true, id: agent.id, version: agent.version, name: agent.name } : { found: false };
    },

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
        ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
      });
    },

    /**
     * The knowledge passages for the message being answered, before the model answers it: the top
     * `messagingTopK` chunks of the agent's knowledge bases and of this customer's own history,
     * leaving out the messages the model sees anyway (its history window, this message included).
     * Never fails: a search that cannot run is logged and the reply is written without passages.
     */
    async retrieveKnowledge(input: {
      customerId: string;
      accountSid: string;
      messageSid: string;
      text: string;
      agent?: AgentRef;
    }): Promise<RetrievedKnowledge> {
      const { knowledge } = deps;
      if (!knowledge) return { passages: [], skipped: 'no-index' };
      if (!worthSearching(input.text)) return { passages: [], skipped: 'too-short' };
      const where = { customerId: input.customerId, messageSid: input.messageSid };
      try {
        const agent = await agentOf(input.agent);
        const scope = conversationScope({
          accountSid: input.accountSid,
          knowledgeBaseIds: agent.definition.knowledge,
          customerId: input.customerId,
          customerHistory: true,
        });
        if (scopeIsEmpty(scope)) return { passages: [], skipped: 'no-scope' };
        const window = await deps.messages.recent(input.customerId, deps.config().messaging.historyBudget);
        const { passages, result } = await retrievePassages(knowledge, {
          text: input.text,
          scope,
          limit: retrievalTopK(deps.config(), 'messaging'),
          exclude: { messageIds: [input.messageSid, `reply:${input.messageSid}`, ...window.map((m) => m.id)] },
        });
        deps.log.info(
          { ...where, passages: passages.length, mode: result.mode, tookMs: result.tookMs, degraded: result.degraded },
          'knowledge retrieved for a reply',
        );
        return { passages };
      } catch (error) {
        // The customer still gets an answer: without passages (the model may still search with the tool).
        deps.log.warn({ ...where, err: error }, 'knowledge retrieval failed; answering without it');
        return { passages: [], skipped: 'failed' };
      }
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
      /** The agent answering (runs from before agents leave it out: the default agent). */
      agent?: AgentRef;
      /** The channel of the message answered (the `{{channel}}` of the instructions; default sms). */
      channel?: 'sms' | 'whatsapp' | 'conversations';
      /** What the customer calls themselves (WhatsApp profile name), for `{{customerName}}`. */
      customerName?: string;
      /** This agent has just taken the conversation over from another. */
      handoff?: { from: string; reason: string };
      /** Passages retrieved for the message (numbered as the model cites them). */
      knowledge?: KnowledgePassage[];
    }): Promise<{ text: string; toolCalls: RoutedToolCall[]; historyFull: boolean }> {
      const agent = await agentOf(input.agent);
      let model: ChatModel | undefined;
      try {
        model = deps.agentModels.for(agent.model, 'messaging');
      } catch (error) {
        throw ApplicationFailure.nonRetryable(`Agent ${agent.id}: ${(error as Error).message}`, 'LlmNotConfigured');
      }
      if (!model)
        throw ApplicationFailure.nonRetryable(
          `No language model configured for agent ${agent.id} (set ANTHROPIC_API_KEY, or the variable its model's apiKeyEnv names)`,
          'LlmNotConfigured',
        );
      const memory = await deps.memory.get(input.customerId);
      const history = await deps.messages.recentWithMedia(
        input.customerId,
        deps.config().messaging.historyBudget,
        memory?.summarizedThrough,
      );
      const items = [...toItems(history), ...fromLegacyTurns(input.scratch ?? [])];
      if (!hasUserContent(items))
        throw ApplicationFailure.nonRetryable('Nothing to answer: history is empty', 'EmptyHistory');
      const prompt = agentSystemPrompt(agent, input.channel ?? 'sms', {
        ...(input.customerName ? { customerName: input.customerName } : {}),
        now: new Date(),
      });
      const takenOver = input.handoff
        ? `\n\nYou have just taken this conversation over from ${input.handoff.from} (${input.handoff.reason}). Answer the customer's last message yourself.`
        : '';
      const external = await externalToolOffer(agentToolReferences(agent.definition), deps.config(), deps.mcp);
      const tools = toolSpecsFor(agent.definition, 'messaging', { extra: external.tools });
      const passages = knowledgeSection(input.knowledge ?? [], 'messaging');
      const colleagues = history.some((m) => m.humanAuthor) ? HUMAN_MESSAGES_NOTE : '';
      const reply = await model.complete({
        system:
          systemPromptWithMemory(prompt, memory?.summary) +
          takenOver +
          colleagues +
          (passages ? `\n\n${passages}` : ''),
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
      const agent = input.agent && (await deps.agents.get(input.agent.id, input.agent.version));
      const body = input.fallback ? (agent?.fallbackReply ?? deps.config().agent.fallbackReply) : input.body;
      if (!body) throw ApplicationFailure.nonRetryable('sendMessage needs a body or fallback', 'BadInput');
      const { idempotencyKey, customerId, accountSid, from, to, conversationSid } = input;
      const purpose = input.purpose ?? 'reply';
      const agentId = input.agent ? { agentId: input.agent.id } : {};
      // A fallback reply was not written from the passages: it cites nothing.
      const cited = !input.fallback && input.citations?.length ? { citations: input.citations } : {};
      const human = input.humanAuthor ? { humanAuthor: input.humanAuthor } : {};
      if (!conversationSid)
        return sendSms(deps, {
          idempotencyKey,
          customerId,
          accountSid,
          from,
          to,
          body,
          purpose,
          ...agentId,
          ...cited,
          ...human,
        });
      const already = await deps.messages.get(idempotencyKey);
      if (already?.twilioSid) return { twilioSid: already.twilioSid };
      // A message posted in a Conversation reaches every participant: no number among them may be opted out.
      for (const address of await conversationNumbers(deps.conversations, conversationSid, to))
        await refuseIfOptedOut(deps, { accountSid, from, to: address, key: idempotencyKey }, 'message');
      const client = deps.twilio.client(accountSid);
      const intent = {
        id: idempotencyKey,
        customerId,
        accountSid,
        direction: 'outbound' as const,
        channel: 'conversations' as const,
        from,
        to,
        body,
        status: 'sending',
        ...agentId,
        ...cited,
        ...human,
      };
      try {
        const posted = await sendOnce(deps.messages, intent, {
          // The post carries its key in its attributes: an earlier attempt's post is found by it exactly.
          findEarlier: async () => findConversationReply(client, conversationSid, idempotencyKey),
          // Inside a Conversation the reply is a conversation message by the agent, not an SMS.
          // Twilio accepted it into the conversation; per-participant delivery arrives as onDeliveryUpdated.
          send: async () => ({
            ...(await postConversationReply(client, {
              conversationSid,
              author: deps.config().conversations.agentIdentity,
              body,
              idempotencyKey,
            })),
            status: 'accepted',
          }),
        });
        return { twilioSid: posted.sid };
      } catch (error) {
        throw twilioFailure(error, 'send the message');
      }
    },
  };
}
