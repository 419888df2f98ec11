import {
  ActivityFailure,
  ParentClosePolicy,
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
import { runToolRounds, type ToolResult } from '../../src/agent/tool-rounds';
import type { InboundMessage } from '../../src/messaging/inbound';
import { ChannelKey, CustomerIdKey } from '../../src/temporal/search-attributes';
import { AGENT_TOOL, CONVERSATION_STEP, MODEL_CALL } from '../../src/temporal/retry-policies';
import { FOLLOW_UP_WORKFLOW, followUpWorkflowId, type FollowUpWorkflow } from '../follow-up/contract';
import { toolDispatcher } from '../tool-dispatch';
import { inboundMessageSignal, pendingQuery, type CustomerWorkflow, type CustomerWorkflowInput } from './contract';

/** Twilio retries a webhook within minutes; remembering this many sids covers that window. */
const RECENT_SIDS = 500;
/** An idle customer workflow completes; the next message starts a new one (memory is in MongoDB). */
const IDLE_TIMEOUT = '7 days';

const { recordInbound, sendMessage, digestInboundMedia } = proxyActivities<Activities>(CONVERSATION_STEP);

/**
 * Short database steps run as local activities: same retries and durable result, without a
 * round trip through the server for each (the history records them as markers).
 */
const local = proxyLocalActivities<Activities>(CONVERSATION_STEP);
/** Summarization may call the model: bounded, and its failure never stalls the conversation. */
const localSummarize = proxyLocalActivities<Activities>(MODEL_CALL).summarizeHistoryIfNeeded;

const { generateReply, summarizeHistoryIfNeeded } = proxyActivities<Activities>(MODEL_CALL);

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
  upsertSearchAttributes([{ key: CustomerIdKey, value: customerId }]);

  for (;;) {
    const gotWork = await condition(() => queue.length > 0, idleTimeout);
    if (!gotWork && queue.length === 0) return;
    const message = queue.shift()!;
    upsertSearchAttributes([{ key: ChannelKey, value: message.channel }]);
    const { historyFull } = await answer(customerId, message);
    processed++;
    processedThisRun++;
    // Histories recorded before summarization existed replay without this step; newer runs
    // only check when the model's history window was full (the check scans the store).
    const summarizes = patched('summarize-history');
    const onlyWhenFull = summarizes && patched('summarize-when-full');
    if (summarizes && (!onlyWhenFull || historyFull)) await summarize(customerId);
    if (workflowInfo().continueAsNewSuggested || processedThisRun >= maxMessagesPerRun) {
      await condition(allHandlersFinished);
      await continueAsNew<CustomerWorkflow>({ customerId, queue, recentSids, processed, maxMessagesPerRun, timings });
    }
  }
}

customerWorkflow satisfies CustomerWorkflow;

/** Built-in tools as their own activities, external tools through theirs: one path for every tool. */
const dispatchTool = toolDispatcher(AGENT_TOOL);

/** A model that keeps asking for tools must still answer: after this many rounds its tool calls are not run. */
const MAX_TOOL_ROUNDS = 4;

async function runTool(call: RoutedToolCall, message: InboundMessage, customerId: string): Promise<ToolResult> {
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
  };
  const outcome = await dispatchTool(call, context, { handoff: handoffToAgent });
  return { output: outcome.result, isError: !outcome.ok };
}

/** Switching the conversation to another agent (issue 11's hand-off): not implemented on this branch. */
async function handoffToAgent(): Promise<ToolOutcome> {
  return { ok: false, result: 'Handing over to another agent is not available here.' };
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

/** Asks the model, running the tools it calls, until it answers in text. */
async function agentReply(
  customerId: string,
  message: InboundMessage,
): Promise<{ text: string; historyFull: boolean }> {
  let historyFull = false;
  const { text } = await runToolRounds<RoutedToolCall>({
    maxRounds: MAX_TOOL_ROUNDS,
    // The model is offered its tools on every round, the last too; calls it makes then are not run.
    ask: async (scratch) => {
      const reply = await generateReply({ customerId, scratch: [...scratch] });
      historyFull ||= reply.historyFull ?? true;
      // Results recorded before tools existed carry no toolCalls (replay of old histories).
      return { text: reply.text, toolCalls: reply.toolCalls ?? [] };
    },
    // One at a time, in the model's order: the history records each tool as it ran.
    runTools: async (calls) => {
      const results: ToolResult[] = [];
      for (const call of calls) results.push(await runTool(call, message, customerId));
      return results;
    },
  });
  return { text, historyFull };
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
async function answer(customerId: string, message: InboundMessage): Promise<{ historyFull: boolean }> {
  await (patched('local-db-steps') ? local.recordInbound : recordInbound)({ customerId, message });
  if (patched('consent-keywords')) {
    // STOP, START, HELP...: consent is stored and the model does not answer (Twilio confirms keywords).
    const { keyword } = await local.applyConsentKeyword({ customerId, message });
    if (keyword) return { historyFull: false };
  }
  let text: string | undefined;
  let historyFull = false;
  try {
    const media = message.media.length > 0 ? await digestInboundMedia({ messageSid: message.messageSid }) : undefined;
    // Nothing the model could read: the polite note about the files is the whole answer.
    if (media && !media.usable && !message.body.trim() && media.customerNote) text = media.customerNote;
    else ({ text, historyFull } = await agentReply(customerId, message));
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
  const reply = {
    customerId,
    accountSid: message.accountSid,
    from: message.to,
    to: message.from,
    idempotencyKey: `reply:${message.messageSid}`,
    ...(message.conversationSid ? { conversationSid: message.conversationSid } : {}),
  };
  try {
    await sendMessage(text ? { ...reply, body: text } : { ...reply, fallback: true });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // A permanent refusal (invalid number, unsubscribed) must not stop the queue behind it.
    log.error('reply could not be delivered', { messageSid: message.messageSid, error: error.cause?.message });
  }
  return { historyFull };
}
