/**
 * How a workflow runs one tool call of the model, the same way on both channels (the call
 * workflow's runTool update, the customer workflow's tool rounds): a built-in as its own activity
 * `tool_<name>` (a follow-up it plans is started here, as a child workflow), an HTTP or MCP tool
 * through `runHttpTool` / `runMcpTool`. Every failure becomes an answer for the model.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  builtInToolNamed,
  toolActivityName,
  type ExternalToolActivities,
  type RoutedToolCall,
  type ToolActivityInput,
  type ToolContext,
  type ToolOutcome,
} from '../src/agents/tool-calls';
import { FOLLOW_UP_WORKFLOW, followUpWorkflowId, type FollowUpWorkflow } from './follow-up/contract';

type BuiltInToolActivities = Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>>;

/** What the conversation itself does for a tool no activity runs (`handoff_to_agent`). */
interface ConversationToolHooks {
  handoff?: (call: RoutedToolCall, context: ToolContext) => Promise<ToolOutcome>;
}

export type DispatchTool = (
  call: RoutedToolCall,
  context: ToolContext,
  hooks?: ConversationToolHooks,
) => Promise<ToolOutcome>;

/** A dispatcher whose activities run with `options` (a caller waiting, or a message that can wait). */
export function toolDispatcher(options: ActivityOptions): DispatchTool {
  const builtIn = proxyActivities<BuiltInToolActivities>(options);
  const external = proxyActivities<ExternalToolActivities>(options);
  // A tool that must not run twice (a non-idempotent HTTP call) gets one attempt: a retry could repeat it.
  const externalOnce = proxyActivities<ExternalToolActivities>({
    ...options,
    retry: { ...options.retry, maximumAttempts: 1 },
  });

  async function runBuiltIn(call: RoutedToolCall, context: ToolContext, hooks: ConversationToolHooks) {
    const name = builtInToolNamed(call.name);
    if (!name) return noSuchTool(call.name);
    if (name === 'handoff_to_agent')
      return hooks.handoff
        ? hooks.handoff(call, context)
        : { ok: false, result: 'Handing over to another agent is not available here.' };
    const outcome = await builtIn[toolActivityName(name)]!({ input: call.input, context });
    if (!outcome.ok || !outcome.followUp) return outcome;
    const { followUp, ...told } = outcome;
    try {
      await startChild<FollowUpWorkflow>(FOLLOW_UP_WORKFLOW, {
        workflowId: followUpWorkflowId(context.customerId, call.id),
        // It outlives this run (continue-as-new, the end of a call).
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            customerId: context.customerId,
            accountSid: context.accountSid,
            from: context.agentAddress,
            to: context.customerAddress,
            body: followUp.body,
            delayMs: followUp.delayMs,
            ...(context.conversationSid ? { conversationSid: context.conversationSid } : {}),
          },
        ],
      });
    } catch (error) {
      // The same tool call scheduled it already.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return told;
  }

  return async (call, context, hooks = {}) => {
    const { route } = call;
    try {
      if (!route) return noSuchTool(call.name);
      if (route.kind === 'builtin') return await runBuiltIn(call, context, hooks);
      const runs = call.repeatSafe === false ? externalOnce : external;
      if (route.kind === 'http') return await runs.runHttpTool({ name: route.name, input: call.input, context });
      return await runs.runMcpTool({ server: route.server, tool: route.tool, input: call.input, context });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // The model learns the tool failed and can say so, instead of the turn dying.
      return { ok: false, result: `tool failed: ${error.cause?.message ?? error.message}` };
    }
  };
}

function noSuchTool(name: string): ToolOutcome {
  return { ok: false, result: `There is no tool named ${name}.` };
}
