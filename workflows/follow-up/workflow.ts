import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { EVENT_STEP } from '../../src/temporal/retry-policies';
import type { FollowUpInput, FollowUpWorkflow } from './contract';

const { sendMessage } = proxyActivities<Activities>(EVENT_STEP);

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
    purpose: 'follow_up',
    ...(input.conversationSid ? { conversationSid: input.conversationSid } : {}),
  });
}
followUpWorkflow satisfies FollowUpWorkflow;
