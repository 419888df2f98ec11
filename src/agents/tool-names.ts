/**
 * The names of the built-in tools, and how an agent's `tools` list is read. Plain data (the config
 * schema validates against it; workflows may import it).
 */

/** Built-in tools, each defined once for voice and messaging (src/agents/tools/). */
export const BUILT_IN_TOOLS = [
  'lookup_customer',
  'send_sms',
  'schedule_follow_up',
  'escalate_to_human',
  'transfer_call',
  'end_call',
  'handoff_to_agent',
  'search_knowledge',
  'send_verification_code',
  'check_verification_code',
] as const;
export type BuiltInToolName = (typeof BUILT_IN_TOOLS)[number];

export function isBuiltInTool(name: string): name is BuiltInToolName {
  return (BUILT_IN_TOOLS as readonly string[]).includes(name);
}

/** The tools an agent gets when its definition names none: what the single agent had before agents existed. */
export const DEFAULT_AGENT_TOOLS: BuiltInToolName[] = [
  'lookup_customer',
  'send_sms',
  'schedule_follow_up',
  'escalate_to_human',
  'transfer_call',
  'end_call',
];

/** A name in an agent's `tools`: a built-in, an HTTP tool, or an MCP server (all its tools, or one). */
export type ToolReference =
  | { kind: 'builtin'; name: BuiltInToolName }
  | { kind: 'http'; name: string }
  | { kind: 'mcp'; server: string; tool?: string };

export function parseToolReference(reference: string): ToolReference {
  const mcp = /^mcp:([a-z0-9][a-z0-9_-]{0,31})(?:\/(.+))?$/.exec(reference);
  if (mcp) return { kind: 'mcp', server: mcp[1]!, ...(mcp[2] ? { tool: mcp[2] } : {}) };
  if (isBuiltInTool(reference)) return { kind: 'builtin', name: reference };
  return { kind: 'http', name: reference };
}
