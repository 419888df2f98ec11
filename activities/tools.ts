import { ApplicationFailure } from '@temporalio/activity';
import { ACTIVITY_TOOLS, toolActivityName } from '../src/agent/tools';
import { withToolCallId, type LegacyToolContext, type ToolContext, type ToolDeps } from '../src/agent/tools/types';

export interface ToolActivityInput {
  input: Record<string, unknown>;
  /** Activities an old run scheduled carry the legacy context (`callId`). */
  context: ToolContext | LegacyToolContext;
}

/** One activity per registered tool (`tool_<name>`), so each call is its own row in the Temporal UI. */
export function createToolActivities(deps: ToolDeps): Record<string, (args: ToolActivityInput) => Promise<unknown>> {
  const activities: Record<string, (args: ToolActivityInput) => Promise<unknown>> = {};
  for (const tool of ACTIVITY_TOOLS) {
    activities[toolActivityName(tool.spec.name)] = async ({ input, context }) => {
      const parsed = tool.input.safeParse(input);
      // The model sent bad arguments: retrying cannot help; the error goes back to the model.
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `invalid input for ${tool.spec.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          'InvalidToolInput',
        );
      return tool.run(parsed.data, withToolCallId(context), deps);
    };
  }
  return activities;
}
