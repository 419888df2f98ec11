import { z } from 'zod';
import { AgentId } from '../definition';
import { defineTool } from './built-in-tool';

/**
 * Hands the live conversation to another agent, whose instructions, voice and tools apply from the
 * next turn. Only its spec lives here: switching is the conversation's own business (the voice
 * session, the customer workflow), so no activity runs it.
 */
export const handoffToAgentTool = defineTool({
  name: 'handoff_to_agent',
  description:
    'Hand the conversation to another agent better suited to what the customer needs. Tell the customer first; the other agent continues with the whole conversation so far.',
  input: z.object({
    agentId: AgentId.describe('the id of the agent to hand over to'),
    reason: z.string().trim().min(1).max(500).describe('why, in one sentence, for the next agent'),
  }),
  channels: ['voice', 'messaging'],
  repeatSafe: false,
});
