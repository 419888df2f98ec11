/** The follow-up workflow's contract: a message the agent promised to send later. */
export const FOLLOW_UP_WORKFLOW = 'followUpWorkflow';

export interface FollowUpInput {
  customerId: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  delayMs: number;
  conversationSid?: string;
}

export type FollowUpWorkflow = (input: FollowUpInput) => Promise<{ twilioSid: string }>;

/** `followup-<customer>-<tool use id>`: one per `schedule_follow_up` call, so a retried tool round schedules once. */
export function followUpWorkflowId(customerId: string, toolUseId: string): string {
  return `followup-${customerId}-${toolUseId}`;
}
