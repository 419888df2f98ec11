import { BUILT_IN_TOOL_CATALOGUE } from '../src/agents/tools/catalogue';
import type { AnyBuiltInTool, ToolDeps } from '../src/agents/tools/built-in-tool';
import {
  toolActivityName,
  withToolCallId,
  type ToolActivityInput,
  type ToolContext,
  type ToolOutcome,
} from '../src/agents/tool-calls';

/** Validates the model's input, then runs the tool; bad input is an answer for the model, not a retry. */
export async function runBuiltInTool(
  tool: AnyBuiltInTool,
  input: Record<string, unknown>,
  context: ToolContext,
  deps: ToolDeps,
): Promise<ToolOutcome> {
  // A context without a channel was scheduled by a customer workflow before tools served calls.
  const channel = context.channel ?? 'messaging';
  if (!tool.run || !tool.channels.includes(channel))
    return { ok: false, result: `${tool.name} is not available in this conversation.` };
  const parsed = tool.input.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      result: `invalid input for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`,
    };
  return tool.run(parsed.data as never, context, deps);
}

/**
 * One activity per built-in tool that runs as one (`tool_<name>`), so each call is its own row in
 * the Temporal UI and is retried on its own; the tool keys its side effects so a retry acts once.
 */
export function createToolActivities(
  deps: ToolDeps,
): Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>> {
  const activities: Record<string, (args: ToolActivityInput) => Promise<ToolOutcome>> = {};
  for (const tool of Object.values(BUILT_IN_TOOL_CATALOGUE)) {
    if (!tool.run) continue;
    activities[toolActivityName(tool.name)] = ({ input, context }) =>
      runBuiltInTool(tool, input, withToolCallId(context), deps);
  }
  return activities;
}
