import { getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { CONVERSATION_STEP } from '../../src/temporal/retry-policies';
import { customerWorkflowId } from '../customer/contract';
import type { ForgetCustomerWorkflow } from './contract';

const { forgetCustomerRecords } = proxyActivities<Activities>(CONVERSATION_STEP);

/**
 * Stops the customer's conversation first (so it writes nothing more), then deletes their records
 * in one idempotent activity, retried until it lands.
 */
export const forgetCustomerWorkflow: ForgetCustomerWorkflow = async ({ customerId }) => {
  try {
    await getExternalWorkflowHandle(customerWorkflowId(customerId)).cancel();
  } catch {
    // Not running (finished, idle-timed-out or never started): nothing to stop.
  }
  const deleted = await forgetCustomerRecords({ customerId });
  return { customerId, deleted };
};
