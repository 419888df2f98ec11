import type { ToolSpec } from '../../agent/chat-model';
import { agentToolReferences, type AgentDefinition } from '../definition';
import type { RoutedToolCall, ToolChannel, ToolRoute } from '../tool-calls';
import { parseToolReference, type BuiltInToolName } from '../tool-names';
import { BUILT_IN_TOOL_CATALOGUE, VERIFICATION_TOOLS } from './catalogue';
import { builtInToolSpec } from './tool-spec';

/** A tool as offered to the model, with what running it needs (the model sees only the ToolSpec part). */
export interface OfferedTool extends ToolSpec {
  route: ToolRoute;
  /** Running it twice has no further effect; an external tool that is not is run without retries. */
  repeatSafe: boolean;
  /** Said on a call while it runs (default: the agent's filler). */
  filler?: string;
  /** Runs on a call only once what the agent said has played (transfer, hang-up). */
  afterSpeech?: boolean;
}

export interface ToolOfferOptions {
  /** Voice: the caller's number is proven theirs. An unverified caller is offered the verification tools. */
  callerVerified?: boolean;
  /** HTTP and MCP tools of the agent, as their specs are built from the configuration. */
  extra?: OfferedTool[];
}

/** Specs are generated once per tool: they never change while the process runs. */
const builtInOffers = new Map<BuiltInToolName, OfferedTool>();

function builtInOffer(name: BuiltInToolName): OfferedTool {
  let offer = builtInOffers.get(name);
  if (!offer) {
    const tool = BUILT_IN_TOOL_CATALOGUE[name];
    offer = {
      ...builtInToolSpec(tool),
      route: { kind: 'builtin' },
      repeatSafe: tool.repeatSafe,
      ...(tool.filler ? { filler: tool.filler } : {}),
      ...(tool.afterSpeech ? { afterSpeech: true } : {}),
    };
    builtInOffers.set(name, offer);
  }
  return offer;
}

/**
 * The tools the model is offered on a channel: the agent's built-ins that make sense there
 * (`search_knowledge` too when it names knowledge bases), the
 * verification tools for an unverified caller (whatever the agent's list), then `extra` (its HTTP
 * and MCP tools). Each name once; the first wins.
 */
export function toolSpecsFor(
  agent: AgentDefinition,
  channel: ToolChannel,
  options: ToolOfferOptions = {},
): OfferedTool[] {
  const names: BuiltInToolName[] = [];
  for (const reference of agentToolReferences(agent)) {
    const parsed = parseToolReference(reference);
    if (parsed.kind === 'builtin') names.push(parsed.name);
  }
  // An agent given knowledge bases can look them up, whatever its tool list says.
  if (agent.knowledge?.length) names.push('search_knowledge');
  if (channel === 'voice' && !options.callerVerified) names.push(...VERIFICATION_TOOLS);
  const offered: OfferedTool[] = [];
  const seen = new Set<string>();
  const add = (tool: OfferedTool) => {
    if (seen.has(tool.name)) return;
    seen.add(tool.name);
    offered.push(tool);
  };
  for (const name of names) if (BUILT_IN_TOOL_CATALOGUE[name].channels.includes(channel)) add(builtInOffer(name));
  for (const tool of options.extra ?? []) add(tool);
  return offered;
}

/** The model's tool calls with where each goes; a call of a tool it was not offered gets no route. */
export function routeToolCalls(
  calls: ReadonlyArray<{ id: string; name: string; input: Record<string, unknown> }>,
  offered: readonly OfferedTool[],
): RoutedToolCall[] {
  return calls.map((call) => {
    const tool = offered.find((t) => t.name === call.name);
    if (!tool) return { ...call };
    // Built-ins key their own side effects, so retrying them is always safe; an external tool may not be.
    const once = tool.route.kind !== 'builtin' && !tool.repeatSafe;
    return { ...call, route: tool.route, ...(once ? { repeatSafe: false } : {}) };
  });
}

/** Only what the model reads: name, description, input schema. */
export function modelToolSpecs(offered: readonly OfferedTool[]): ToolSpec[] {
  return offered.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
}
