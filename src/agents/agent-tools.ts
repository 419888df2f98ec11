/**
 * Which tools an agent is offered on a channel: the ones its definition names that make sense there.
 * Until the catalogue (src/agents/tools/) defines each tool once for both channels, this maps the
 * built-in names onto the tool specs voice and messaging already have.
 */
import type { ToolSpec } from '../agent/chat-model';
import { ALL_TOOL_SPECS } from '../agent/tools';
import { VOICE_TOOLS } from '../voice/tools';
import type { AgentDefinition } from './definition';
import { DEFAULT_AGENT_TOOLS, type BuiltInToolName } from './tool-names';

const HANDOFF_TOOL_NAME = 'handoff_to_agent';

/** Hands the conversation to another agent; the workflow (messaging) or the call (voice) applies it. */
const HANDOFF_TOOL: ToolSpec = {
  name: HANDOFF_TOOL_NAME,
  description:
    'Hand the conversation to another agent who is better placed to help (by its id, as your instructions name it). Tell the customer first; the other agent takes over with everything said so far.',
  inputSchema: {
    type: 'object',
    properties: {
      agentId: { type: 'string', description: 'the id of the agent to hand over to' },
      reason: { type: 'string', description: 'why, in one sentence (the other agent is told)' },
    },
    required: ['agentId', 'reason'],
  },
};

/** The voice spec that implements a built-in tool, where its name on the call differs. */
const VOICE_NAMES: Partial<Record<BuiltInToolName, string>> = { transfer_call: 'transfer_to_human' };

/** Offered on every call whatever the agent lists: the caller-verification rule (call-context) depends on them. */
const ALWAYS_ON_VOICE = new Set(['send_verification_code', 'check_verification_code']);

/** An agent that names no tools gets the ones the single agent had before agents existed. */
export function agentToolSpecs(definition: AgentDefinition, channel: 'voice' | 'messaging'): ToolSpec[] {
  const named = new Set<string>(definition.tools.length > 0 ? definition.tools : DEFAULT_AGENT_TOOLS);
  const specs =
    channel === 'voice'
      ? VOICE_TOOLS.filter(
          (spec) =>
            ALWAYS_ON_VOICE.has(spec.name) ||
            [...named].some((name) => (VOICE_NAMES[name as BuiltInToolName] ?? name) === spec.name),
        )
      : ALL_TOOL_SPECS.filter((spec) => named.has(spec.name));
  return named.has(HANDOFF_TOOL_NAME) ? [...specs, HANDOFF_TOOL] : specs;
}
