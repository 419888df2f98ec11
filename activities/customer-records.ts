import type { CustomerRecords, ForgottenCounts } from '../src/customers/customer-records';

export interface CustomerRecordDeps {
  customerRecords: CustomerRecords;
}

export function createCustomerRecordActivities(deps: CustomerRecordDeps) {
  return {
    /** Deletes the customer's records (`deleteMany` per collection): safe to retry, a second run deletes nothing. */
    async forgetCustomerRecords(input: { customerId: string }): Promise<ForgottenCounts> {
      return deps.customerRecords.forget(input.customerId);
    },
  };
}
