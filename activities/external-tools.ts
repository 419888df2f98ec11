import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import type { ExternalToolContext, ExternalToolResult, KeyedToolContext } from '../src/agents/external-tool-context';
import { toolIdempotencyKey } from '../src/agents/tools/idempotency';
import { attemptHttpTool } from '../src/agents/http-tools';
import type { McpCatalogue } from '../src/agents/mcp-tools';
import type { Logger } from '../src/observability/logger';
import { EXTERNAL_TOOL_ATTEMPTS } from '../src/temporal/retry-policies';

export interface ExternalToolDeps {
  config: () => Config;
  /** The process's MCP catalogue (connections and tool lists), built once by the worker. */
  mcp: McpCatalogue;
  log: Logger;
}

export interface RunHttpToolInput {
  /** The tool's name in `tools.http`. */
  name: string;
  input: Record<string, unknown>;
  context: ExternalToolContext;
}

export interface RunMcpToolInput {
  /** The server's name in `tools.mcpServers`. */
  server: string;
  /** The tool's own name on that server (not the name the model was offered). */
  tool: string;
  input: Record<string, unknown>;
  context: ExternalToolContext;
}

/** One attempt's outcome, as both kinds of tool give it. */
interface Attempt {
  result: ExternalToolResult;
  retryable: boolean;
  problem?: string;
  status?: number;
}

/** Whether this attempt is the last one Temporal will make (or the last we allow, whatever the policy). */
function lastAttempt(): boolean {
  const { attempt, retryPolicy } = Context.current().info;
  // 0 or unset means unlimited in Temporal's policy.
  const allowed = retryPolicy?.maximumAttempts || Infinity;
  return attempt >= Math.min(allowed, EXTERNAL_TOOL_ATTEMPTS);
}

/**
 * HTTP and MCP tools declared in the config, as activities: each call is a row in the workflow's
 * history with its input. A failure that another attempt could fix, and that cannot repeat a side
 * effect, is retried by Temporal; the last attempt, and every other failure, gives the model a short
 * error result instead of failing the workflow.
 */
export function createExternalToolActivities(deps: ExternalToolDeps) {
  async function settle(
    kind: 'http' | 'mcp',
    tool: string,
    given: ExternalToolContext,
    run: (context: KeyedToolContext) => Promise<Attempt>,
  ) {
    const context = { ...given, idempotencyKey: given.idempotencyKey ?? toolIdempotencyKey(kind, given) };
    const started = Date.now();
    const { attempt } = Context.current().info;
    const where = { kind, tool, accountSid: context.accountSid, toolCallId: context.toolCallId, attempt };
    let outcome: Attempt;
    try {
      outcome = await run(context);
    } catch (error) {
      // A bug of ours must not end the conversation either.
      deps.log.error({ ...where, err: error }, 'external tool failed unexpectedly');
      return { ok: false, result: `The tool ${tool} failed.` } satisfies ExternalToolResult;
    }
    const durationMs = Date.now() - started;
    if (outcome.result.ok) {
      deps.log.info({ ...where, status: outcome.status, durationMs }, 'external tool answered');
      return outcome.result;
    }
    const retrying = outcome.retryable && !lastAttempt();
    deps.log.warn(
      { ...where, status: outcome.status, durationMs, problem: outcome.problem, retrying },
      'external tool failed',
    );
    if (retrying)
      throw ApplicationFailure.retryable(`${tool}: ${outcome.problem ?? 'failed'}`, 'ExternalToolUnavailable');
    return outcome.result;
  }

  return {
    /** Calls an HTTP tool of `tools.http` with the model's input. */
    async runHttpTool({ name, input, context }: RunHttpToolInput): Promise<ExternalToolResult> {
      return settle('http', name, context, async (keyed) => {
        const tool = deps.config().tools.http.find((t) => t.name === name);
        if (!tool)
          return {
            result: { ok: false, result: `The tool ${name} is no longer available.` },
            retryable: false,
            problem: 'not in tools.http',
          };
        return attemptHttpTool(tool, input, keyed);
      });
    },

    /** Calls a tool on an MCP server of `tools.mcpServers` with the model's input. */
    async runMcpTool({ server, tool, input, context }: RunMcpToolInput): Promise<ExternalToolResult> {
      return settle('mcp', `${server}/${tool}`, context, (keyed) => deps.mcp.call(server, tool, input, keyed));
    },
  };
}
