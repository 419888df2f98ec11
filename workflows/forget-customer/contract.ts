/** The forget-customer workflow's contract: deletes everything stored about one customer. */
import type { ForgottenCounts } from '../../src/customers/customer-records';

export const FORGET_CUSTOMER_WORKFLOW = 'forgetCustomerWorkflow';

interface ForgetCustomerInput {
  customerId: string;
}

interface ForgetCustomerResult {
  customerId: string;
  /** Documents deleted per collection (by this run; a repeated run deletes nothing more). */
  deleted: ForgottenCounts;
}

export type ForgetCustomerWorkflow = (input: ForgetCustomerInput) => Promise<ForgetCustomerResult>;

/** `forget-<customerId>`: a repeated request joins the running deletion or gets its result. */
export function forgetCustomerWorkflowId(customerId: string): string {
  return `forget-${customerId}`;
}
