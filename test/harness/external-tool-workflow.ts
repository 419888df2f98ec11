/**
 * A workflow that runs one external tool, as the agent's dispatch does: the activity under the
 * EXTERNAL_TOOL policy, so Temporal's own retries and history are what the tests see.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createExternalToolActivities, RunHttpToolInput, RunMcpToolInput } from '../../activities/external-tools';
import type { ExternalToolResult } from '../../src/agents/external-tool-context';
import { EXTERNAL_TOOL } from '../../src/temporal/retry-policies';

const { runHttpTool, runMcpTool } = proxyActivities<ReturnType<typeof createExternalToolActivities>>(EXTERNAL_TOOL);

export type ExternalToolCall = { kind: 'http'; args: RunHttpToolInput } | { kind: 'mcp'; args: RunMcpToolInput };

export async function externalToolWorkflow(call: ExternalToolCall): Promise<ExternalToolResult> {
  return call.kind === 'http' ? runHttpTool(call.args) : runMcpTool(call.args);
}
