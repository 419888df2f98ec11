import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface FollowUpInput {
  customerId: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  delayMs: number;
  conversationSid?: string;
}

const { sendMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A message the agent promised to send later (`schedule_follow_up`): a durable timer, so it goes
 * out even if every process restarts in between. Started by the customer workflow as an
 * abandoned child, so a continue-as-new of the customer does not cancel it.
 */
export async function followUpWorkflow(input: FollowUpInput): Promise<{ twilioSid: string }> {
  await sleep(input.delayMs);
  const { workflowId } = workflowInfo();
  return sendMessage({
    idempotencyKey: `followup:${workflowId}`,
    customerId: input.customerId,
    accountSid: input.accountSid,
    from: input.from,
    to: input.to,
    body: input.body,
    ...(input.conversationSid ? { conversationSid: input.conversationSid } : {}),
  });
}
