import {
  ActivityFailure,
  ParentClosePolicy,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { RoutedToolCall, ToolActivityInput, ToolContext, ToolOutcome } from '../../src/agents/tool-calls';
import type { AgentRef, LineAgentChoice, SendMessageInput } from '../../activities/messaging';
import { runToolRounds, type ToolResult } from '../../src/agent/tool-rounds';
import type { InboundMessage } from '../../src/messaging/inbound';
import { ChannelKey, CustomerIdKey } from '../../src/temporal/search-attributes';
import {
  AGENT_TOOL,
  CONVERSATION_STEP,
  KNOWLEDGE_INDEXING,
  KNOWLEDGE_RETRIEVAL,
  MEDIA_DIGESTION,
  MODEL_CALL,
} from '../../src/temporal/retry-policies';
import { resolveCitations, type Citation, type KnowledgePassage } from '../../src/knowledge/citations';
import { FOLLOW_UP_WORKFLOW, followUpWorkflowId, type FollowUpWorkflow } from '../follow-up/contract';
import { toolDispatcher } from '../tool-dispatch';
import {
  handBackSignal,
  humanReplySignal,
  inboundMessageSignal,
  pauseAgentSignal,
  pendingQuery,
  takeoverQuery,
  type CustomerWorkflow,
  type CustomerWorkflowInput,
} from './contract';
import { Takeover } from './takeover';

/** Twilio retries a webhook within minutes; remembering this many sids covers that window. */
const RECENT_SIDS = 500;
/** An idle customer workflow completes; the next message starts a new one (memory is in MongoDB). */
const IDLE_TIMEOUT = '7 days';

const { recordInbound, sendMessage } = proxyActivities<Activities>(CONVERSATION_STEP);
/** Bounded: the activity stops at the media deadline; past its retry budget the attachment is "could not be read". */
const { digestInboundMedia } = proxyActivities<Activities>(MEDIA_DIGESTION);

/**
 * Short database steps run as local activities: same retries and durable result, without a
 * round trip through the server for each (the history records them as markers).
 */
const local = proxyLocalActivities<Activities>(CONVERSATION_STEP);
/** Summarization may call the model: bounded, and its failure never stalls the conversation. */
const localSummarize = proxyLocalActivities<Activities>(MODEL_CALL).summarizeHistoryIfNeeded;

const { generateReply, summarizeHistoryIfNeeded } = proxyActivities<Activities>(MODEL_CALL);
/** A quick local step: the customer is waiting, and the reply can be written without it. */
const { retrieveKnowledge } = proxyLocalActivities<Activities>(KNOWLEDGE_RETRIEVAL);

/** Each exchange into knowledge search, beside the conversation (never holding up the next answer). */
const { indexMessages } = proxyActivities<Activities>(KNOWLEDGE_INDEXING);

/**
 * The long-lived conversation entity of one person (`customer-<id>`): inbound messages are queued
 * by signal and answered strictly in arrival order, one at a time; a redelivered MessageSid is
 * dropped at the door.
 */
export async function customerWorkflow(input: CustomerWorkflowInput): Promise<void> {
  const { customerId } = input;
  const queue: InboundMessage[] = [...(input.queue ?? [])];
  const recentSids: string[] = [...(input.recentSids ?? [])];
  const seen = new Set(recentSids);
  let processed = input.processed ?? 0;
  let processedThisRun = 0;
  const maxMessagesPerRun = input.maxMessagesPerRun ?? 200;
  const { timings } = input;
  const idleTimeout = timings?.idleTimeout ?? IDLE_TIMEOUT;
  const lineAgents: Record<string, string> = { ...input.lineAgents };
  /** Exchanges being indexed: settled before this run ends or continues as new (which would abandon them). */
  let indexing: Array<Promise<void>> = [];

  setHandler(inboundMessageSignal, (message) => {
    if (seen.has(message.messageSid)) {
      log.info('duplicate message ignored', { messageSid: message.messageSid });
      return;
    }
    seen.add(message.messageSid);
    recentSids.push(message.messageSid);
    if (recentSids.length > RECENT_SIDS) seen.delete(recentSids.shift()!);
    queue.push(message);
  });
  setHandler(pendingQuery, () => ({ queued: queue.length, processed }));
  // Human takeover: the handlers only queue; the loop carries the commands out between messages.
  const takeover = new Takeover(customerId, input);
  setHandler(pauseAgentSignal, (request) => takeover.enqueue({ kind: 'pause', ...request }));
  setHandler(humanReplySignal, (reply) => takeover.enqueue({ kind: 'reply', ...reply }));
  setHandler(handBackSignal, (request) => takeover.enqueue({ kind: 'handBack', ...request }));
  setHandler(takeoverQuery, () => takeover.state);
  upsertSearchAttributes([{ key: CustomerIdKey, value: customerId }]);

  const hasWork = () => queue.length > 0 || takeover.hasCommands;
  for (;;) {
    // A conversation a person has waits for them however long it takes: it never ends idle.
    let gotWork = true;
    if (takeover.paused) await condition(hasWork);
    else gotWork = await condition(hasWork, idleTimeout);
    if (!gotWork && !hasWork()) {
      await Promise.all(indexing);
      return;
    }
    if (takeover.hasCommands) {
      // Pause, reply, hand back: before the messages queued behind them (a pause holds them at once).
      if (patched('human-takeover')) {
        const { answer: unanswered, indexed } = await takeover.runNext();
        // Handed back: the agent answers the newest message no person answered (the rest is its context).
        if (unanswered) queue.unshift(unanswered);
        if (indexed) indexing = [...indexing, indexMessageIds([indexed])];
      } else takeover.discardCommands();
    } else if (takeover.paused) {
      const message = queue.shift()!;
      upsertSearchAttributes([{ key: ChannelKey, value: message.channel }]);
      // Recorded (consent keywords applied) for the person to read; the model is not asked.
      await takeover.hold(message);
      indexing = [...indexing, indexMessageIds([message.messageSid])];
      processed++;
      processedThisRun++;
    } else {
      const message = queue.shift()!;
      upsertSearchAttributes([{ key: ChannelKey, value: message.channel }]);
      takeover.noteChannel(message);
      const { historyFull, escalation } = await answer(customerId, message, lineAgents, takeover);
      // The message and its reply become searchable while the next message is answered.
      // Runs from before conversations were indexed replay without this step.
      if (patched('index-conversations')) indexing = [...indexing, indexExchange(message)];
      // escalate_to_human ran: after this reply the conversation waits in the queue for a person.
      if (escalation !== undefined && patched('human-takeover')) await takeover.escalate(message, escalation);
      processed++;
      processedThisRun++;
      // Histories recorded before summarization existed replay without this step; newer runs
      // only check when the model's history window was full (the check scans the store).
      const summarizes = patched('summarize-history');
      const onlyWhenFull = summarizes && patched('summarize-when-full');
      if (summarizes && (!onlyWhenFull || historyFull)) await summarize(customerId);
    }
    if (workflowInfo().continueAsNewSuggested || processedThisRun >= maxMessagesPerRun) {
      await Promise.all(indexing);
      await condition(allHandlersFinished);
      await continueAsNew<CustomerWorkflow>({
        customerId,
        queue,
        recentSids,
        processed,
        maxMessagesPerRun,
        timings,
        ...(Object.keys(lineAgents).length > 0 ? { lineAgents } : {}),
        ...takeover.carried(),
      });
    }
  }
}

customerWorkflow satisfies CustomerWorkflow;

/**
 * Indexes an inbound message and the reply to it (`reply:<sid>`, whether an answer, a fallback or a
 * line's disabled reply; none after a consent keyword). Never fails the conversation: past its retry
 * budget it is logged (the messages are stored all the same, and can be indexed again).
 */
async function indexExchange(message: InboundMessage): Promise<void> {
  await indexMessageIds([message.messageSid, `reply:${message.messageSid}`]);
}

/** Indexes these messages for search (a message held during a takeover, a person's reply); never fails the conversation. */
async function indexMessageIds(messageIds: string[]): Promise<void> {
  try {
    await indexMessages({ messageIds });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('messages not indexed', { messageIds, error: error.cause?.message });
  }
}

/** Built-in tools as their own activities, external tools through theirs: one path for every tool. */
const dispatchTool = toolDispatcher(AGENT_TOOL);

/** A model that keeps asking for tools must still answer: after this many rounds its tool calls are not run. */
const MAX_TOOL_ROUNDS = 4;

/** What a reply's tools did to the conversation itself. */
interface ReplyEffects {
  /** `escalate_to_human` ran: the reason (the conversation goes to the waiting queue after this reply). */
  escalation?: string;
}

async function runTool(
  call: RoutedToolCall,
  message: InboundMessage,
  customerId: string,
  shown?: KnowledgePassage[],
  effects?: ReplyEffects,
): Promise<ToolResult> {
  // Runs from before the tool catalogue ran their tools the old way; their histories replay so.
  if (!patched('tool-catalogue')) return legacyRunTool(call, message, customerId);
  const context: ToolContext = {
    channel: 'messaging',
    customerId,
    accountSid: message.accountSid,
    customerAddress: message.from,
    agentAddress: message.to,
    messageSid: message.messageSid,
    toolCallId: call.id,
    ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
    ...(shown?.length ? { firstPassageNumber: shown.length + 1 } : {}),
    // This workflow has the console's waiting queue: an escalation always reaches a person.
    ...(effects ? { humanQueue: true } : {}),
  };
  // `handoff_to_agent` never gets here: agentReply applies it (the conversation itself changes hands).
  const outcome = await dispatchTool(call, context);
  // Passages a search showed the model: its reply may cite them by the numbers they were shown with.
  if (shown && outcome.passages) shown.push(...outcome.passages);
  if (effects && outcome.humanTakeover) effects.escalation = outcome.humanTakeover.reason;
  return { output: outcome.result, isError: !outcome.ok };
}

/** Tool activities by name (`tool_<name>`), as the legacy path schedules them. */
const legacyToolActivities = proxyActivities<Record<string, (args: ToolActivityInput) => Promise<unknown>>>(AGENT_TOOL);

/** What a tool activity returned, for the model: today's outcome, or the raw result an old activity recorded. */
function legacyOutput(result: unknown): ToolResult {
  const outcome = result as Partial<ToolOutcome> | null;
  if (outcome && typeof outcome.ok === 'boolean' && typeof outcome.result === 'string')
    return { output: outcome.result, isError: !outcome.ok };
  return { output: JSON.stringify(result), isError: false };
}

/** The tool path of runs from before the tool catalogue, command for command. */
async function legacyRunTool(call: RoutedToolCall, message: InboundMessage, customerId: string): Promise<ToolResult> {
  const context = {
    customerId,
    accountSid: message.accountSid,
    customerAddress: message.from,
    agentAddress: message.to,
    toolCallId: call.id,
    ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
  };
  try {
    if (call.name === 'schedule_follow_up') {
      const delayMinutes = Number(call.input.delayMinutes);
      const body = typeof call.input.message === 'string' ? call.input.message : '';
      if (!(delayMinutes > 0) || !body)
        return { output: 'schedule_follow_up needs delayMinutes > 0 and a message', isError: true };
      const child = await startChild<FollowUpWorkflow>(FOLLOW_UP_WORKFLOW, {
        workflowId: followUpWorkflowId(customerId, call.id),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            customerId,
            accountSid: message.accountSid,
            from: message.to,
            to: message.from,
            body,
            delayMs: Math.round(delayMinutes * 60_000),
            ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
          },
        ],
      });
      return {
        output: JSON.stringify({ scheduled: true, followUpId: child.workflowId, inMinutes: delayMinutes }),
        isError: false,
      };
    }
    const activity = legacyToolActivities[`tool_${call.name}`];
    if (!activity) return { output: `unknown tool ${call.name}`, isError: true };
    return legacyOutput(await activity({ input: call.input, context }));
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // The model learns the tool failed and can tell the customer, instead of the turn dying.
    return { output: `tool failed: ${error.cause?.message ?? error.message}`, isError: true };
  }
}

/** The tool that hands the conversation to another agent (its spec: src/agents/tools/handoff-to-agent.ts). */
const HANDOFF_TOOL = 'handoff_to_agent';

/** Who is answering this message: the line's agent, or the one a handoff gave the conversation to. */
interface Answering {
  agent: AgentRef;
  name: string;
  /** Set when this agent has just taken over (once per message: it cannot hand over again). */
  takenOverFrom?: { from: string; reason: string };
}

/** Our end of the conversation: the number or WhatsApp sender texted, or the Conversations service. */
function lineOf(message: InboundMessage): string {
  return message.channel === 'conversations' ? (message.chatServiceSid ?? message.to) : message.to;
}

/**
 * `handoff_to_agent` in a conversation: the named agent (its current version) answers this message
 * and the line's next ones, until this workflow ends idle or an operator's routing applies again.
 */
async function handOff(call: RoutedToolCall, answering: Answering): Promise<{ result: ToolResult; next?: Answering }> {
  if (answering.takenOverFrom)
    return { result: { output: 'You have just been handed this conversation: answer it yourself.', isError: true } };
  const agentId = typeof call.input.agentId === 'string' ? call.input.agentId.trim() : '';
  const reason = typeof call.input.reason === 'string' ? call.input.reason.trim() : '';
  if (!agentId) return { result: { output: 'handoff_to_agent needs an agentId', isError: true } };
  if (agentId === answering.agent.id)
    return { result: { output: `You are ${agentId} already; answer yourself.`, isError: true } };
  const found = await local.findAgent({ agentId });
  if (!found.found)
    return {
      result: {
        output: `There is no agent "${agentId}". Answer yourself, or name an agent your instructions mention.`,
        isError: true,
      },
    };
  return {
    result: { output: `Handed off to ${found.name}.`, isError: false },
    next: {
      agent: { id: found.id, version: found.version },
      name: found.name,
      takenOverFrom: { from: answering.name, reason: reason || 'no reason given' },
    },
  };
}

/**
 * Asks the model, running the tools it calls, until it answers in text. With an agent (runs since
 * agents exist) a handoff stops this agent's rounds and the new agent answers the message afresh.
 */
async function agentReply(
  customerId: string,
  message: InboundMessage,
  answering: Answering | undefined,
  effects: ReplyEffects,
): Promise<{ text: string; historyFull: boolean; answeredBy?: Answering; citations?: Citation[] }> {
  let historyFull = false;
  let handedTo: Answering | undefined;
  const channel = message.channel === 'voice' ? 'sms' : message.channel;
  // The passages this reply has shown the model (retrieved first, then any search_knowledge found), by number.
  const shown =
    answering && patched('knowledge-retrieval') ? await retrieve(customerId, message, answering) : undefined;
  const retrieved = shown ? [...shown] : undefined;
  const { text } = await runToolRounds<RoutedToolCall>({
    maxRounds: MAX_TOOL_ROUNDS,
    // The model is offered its tools on every round, the last too; calls it makes then are not run.
    ask: async (scratch) => {
      const reply = await generateReply({
        customerId,
        scratch: [...scratch],
        ...(answering
          ? {
              agent: answering.agent,
              channel,
              ...(message.profileName ? { customerName: message.profileName } : {}),
              ...(answering.takenOverFrom ? { handoff: answering.takenOverFrom } : {}),
              ...(retrieved?.length ? { knowledge: retrieved } : {}),
            }
          : {}),
      });
      historyFull ||= reply.historyFull ?? true;
      // Results recorded before tools existed carry no toolCalls (replay of old histories).
      return { text: reply.text, toolCalls: reply.toolCalls ?? [] };
    },
    // One at a time, in the model's order: the history records each tool as it ran.
    runTools: async (calls) => {
      const results: ToolResult[] = [];
      for (const call of calls) {
        if (answering && call.name === HANDOFF_TOOL && !handedTo) {
          const { result, next } = await handOff(call, answering);
          handedTo = next;
          results.push(result);
        } else results.push(await runTool(call, message, customerId, shown, effects));
      }
      return results;
    },
    shouldStop: () => handedTo !== undefined,
  });
  if (handedTo) {
    const next = await agentReply(customerId, message, handedTo, effects);
    return { ...next, historyFull: historyFull || next.historyFull };
  }
  if (!shown) return { text, historyFull, ...(answering ? { answeredBy: answering } : {}) };
  // The customer reads the reply without the [n] markers; the passages they named are its citations.
  const cited = resolveCitations(text, shown);
  return {
    text: cited.text,
    historyFull,
    ...(answering ? { answeredBy: answering } : {}),
    ...(cited.citations.length ? { citations: cited.citations } : {}),
  };
}

/**
 * The knowledge passages for the message (the answering agent's knowledge bases and the customer's
 * own history). A retrieval that fails or times out is no reason to keep the customer waiting.
 */
async function retrieve(
  customerId: string,
  message: InboundMessage,
  answering: Answering,
): Promise<KnowledgePassage[]> {
  try {
    const { passages } = await retrieveKnowledge({
      customerId,
      accountSid: message.accountSid,
      messageSid: message.messageSid,
      text: message.body,
      agent: answering.agent,
    });
    return passages;
  } catch (error) {
    // A local activity's failure may arrive unwrapped (not as an ActivityFailure): any Temporal failure counts.
    if (!(error instanceof TemporalFailure)) throw error;
    log.warn('knowledge retrieval failed; answering without it', {
      messageSid: message.messageSid,
      error: error.cause?.message ?? error.message,
    });
    return [];
  }
}

async function summarize(customerId: string): Promise<void> {
  try {
    await (patched('local-db-steps') ? localSummarize : summarizeHistoryIfNeeded)({ customerId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // Memory upkeep must never stall the conversation; the next message tries again.
    log.warn('summarization failed; will retry after the next message', { error: error.cause?.message });
  }
}

/** Answers one message; says whether the history window was full (memory upkeep may be due). */
async function answer(
  customerId: string,
  message: InboundMessage,
  lineAgents: Record<string, string>,
  takeover: Takeover,
): Promise<{ historyFull: boolean; escalation?: string }> {
  await (patched('local-db-steps') ? local.recordInbound : recordInbound)({ customerId, message });
  if (patched('consent-keywords')) {
    // STOP, START, HELP...: consent is stored and the model does not answer (Twilio confirms keywords).
    const { keyword } = await local.applyConsentKeyword({ customerId, message });
    if (keyword) return { historyFull: false };
  }
  const reply = {
    customerId,
    accountSid: message.accountSid,
    from: message.to,
    to: message.from,
    idempotencyKey: `reply:${message.messageSid}`,
    ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
  };
  // The line's agent and switch, read as this message is taken up: an edit applies from the next message.
  const line = lineOf(message);
  let choice: LineAgentChoice | undefined;
  if (patched('line-agents')) {
    const handedTo = lineAgents[line];
    choice = await local.resolveLineAgent({
      accountSid: message.accountSid,
      address: line,
      ...(handedTo ? { agentId: handedTo } : {}),
    });
    if (!choice.enabled) {
      // The message is in the history all the same; the customer gets the configured reply, or nothing.
      if (choice.disabledReply) await deliver({ ...reply, body: choice.disabledReply }, message);
      return { historyFull: false };
    }
  }
  let answeredBy: Answering | undefined = choice && { agent: choice.agent, name: choice.name };
  let text: string | undefined;
  let citations: Citation[] | undefined;
  let historyFull = false;
  const effects: ReplyEffects = {};
  try {
    const media = message.media.length > 0 ? await digestAttachments(message) : undefined;
    // Nothing the model could read: the polite note about the files is the whole answer.
    if (media && !media.usable && !message.body.trim() && media.customerNote) text = media.customerNote;
    else {
      const answered = await agentReply(customerId, message, answeredBy, effects);
      ({ text, historyFull, citations } = answered);
      answeredBy = answered.answeredBy;
      if (answeredBy && answeredBy.agent.id !== choice?.agent.id) lineAgents[line] = answeredBy.agent.id;
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // The model failed past its retry budget: the customer still gets an answer, never silence.
    log.warn('agent failed; sending fallback reply', { messageSid: message.messageSid, error: error.cause?.message });
    await local.appendEvent({
      id: `agent.fallback:${message.messageSid}`,
      type: 'agent.fallback',
      occurredAt: new Date().toISOString(),
      accountSid: message.accountSid,
      customerId,
      data: { messageSid: message.messageSid, channel: message.channel, error: error.cause?.message ?? error.message },
    });
  }
  // A person took the conversation while this reply was written: it is not sent (the message waits for them).
  if (takeover.pauseRequested) {
    takeover.withhold(message);
    return { historyFull };
  }
  const by = answeredBy ? { agent: answeredBy.agent } : {};
  const cited = citations?.length ? { citations } : {};
  await deliver(text ? { ...reply, ...by, ...cited, body: text } : { ...reply, ...by, fallback: true }, message);
  return { historyFull, ...(effects.escalation !== undefined ? { escalation: effects.escalation } : {}) };
}

/** The attachments' outcome; never holds the queue past MEDIA_DIGESTION's limit. */
async function digestAttachments(message: InboundMessage): Promise<{ customerNote?: string; usable: boolean }> {
  try {
    return await digestInboundMedia({ messageSid: message.messageSid });
  } catch (error) {
    if (!(error instanceof ActivityFailure) || !patched('media-deadline')) throw error;
    // The text still gets its answer; the files not understood by now are "could not be read".
    log.warn('attachments not digested; answering without them', {
      messageSid: message.messageSid,
      error: error.cause?.message,
    });
    return local.markMediaUnreadable({ messageSid: message.messageSid });
  }
}

async function deliver(send: SendMessageInput, message: InboundMessage): Promise<void> {
  try {
    await sendMessage(send);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // A permanent refusal (invalid number, unsubscribed) must not stop the queue behind it.
    log.error('reply could not be delivered', { messageSid: message.messageSid, error: error.cause?.message });
  }
}
