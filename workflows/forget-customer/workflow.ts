import { getExternalWorkflowHandle, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { CONVERSATION_STEP } from '../../src/temporal/retry-policies';
import { customerWorkflowId } from '../customer/contract';
import type { ForgetCustomerWorkflow } from './contract';

const { forgetCustomerRecords, forgetCustomerKnowledge } = proxyActivities<Activities>(CONVERSATION_STEP);

/**
 * Stops the customer's conversation first (so it writes nothing more), then removes their history
 * from knowledge search (scoped by the accounts their records name, so before the records go), then
 * deletes their records; each step idempotent and retried until it lands.
 */
export const forgetCustomerWorkflow: ForgetCustomerWorkflow = async ({ customerId }) => {
  try {
    await getExternalWorkflowHandle(customerWorkflowId(customerId)).cancel();
  } catch {
    // Not running (finished, idle-timed-out or never started): nothing to stop.
  }
  // Runs from before conversations were indexed replay without this step.
  const knowledge = patched('forget-knowledge') ? await forgetCustomerKnowledge({ customerId }) : undefined;
  const deleted = await forgetCustomerRecords({ customerId });
  return { customerId, deleted: { ...deleted, ...(knowledge ? { knowledge_chunks: knowledge.chunks } : {}) } };
};
