import type { ToolSpec } from '../chat-model';
import { escalateToHumanTool } from './escalate-to-human';
import { lookupCustomerTool } from './lookup-customer';
import type { ActivityTool } from './types';

/** Tools that run as activities. Adding one: a file like lookup-customer.ts, and a line here. */
export const ACTIVITY_TOOLS: ActivityTool<never>[] = [lookupCustomerTool, escalateToHumanTool] as ActivityTool<never>[];

/** Runs in the customer workflow as a durable timer (a child workflow), not as an activity. */
const FOLLOW_UP_TOOL: ToolSpec = {
  name: 'schedule_follow_up',
  description:
    'Schedule a message to the customer later (a reminder, a check-in). It is sent on the same channel after the delay, even if the system restarts meanwhile.',
  inputSchema: {
    type: 'object',
    properties: {
      delayMinutes: { type: 'number', minimum: 0.01, maximum: 43200, description: 'minutes from now' },
      message: { type: 'string', description: 'the exact text to send' },
    },
    required: ['delayMinutes', 'message'],
  },
};

export const ALL_TOOL_SPECS: ToolSpec[] = [...ACTIVITY_TOOLS.map((t) => t.spec), FOLLOW_UP_TOOL];

export function toolActivityName(toolName: string): string {
  return `tool_${toolName}`;
}
