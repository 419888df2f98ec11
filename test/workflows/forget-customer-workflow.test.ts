import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import {
  FORGET_CUSTOMER_WORKFLOW,
  forgetCustomerWorkflowId,
  type ForgetCustomerWorkflow,
} from '../../workflows/forget-customer/contract';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';

/**
 * forgetCustomerWorkflow with stubbed deletions: the customer's knowledge chunks go before their
 * records (whose accounts scope that removal), a failed attempt is retried, and no live conversation is needed.
 */
describe('forgetCustomerWorkflow', () => {
  const calls = new ActivityCalls();
  let worker: StubbedWorker;
  let failNext = true;

  const stubs = {
    async forgetCustomerKnowledge(input: Parameters<Activities['forgetCustomerKnowledge']>[0]) {
      calls.record('forgetCustomerKnowledge', input);
      // Read before the records are gone: the records step must not have run yet.
      return { chunks: calls.of(forgetCustomerWorkflowId(input.customerId), 'forgetCustomerRecords').length ? -1 : 3 };
    },
    async forgetCustomerRecords(input: Parameters<Activities['forgetCustomerRecords']>[0]) {
      calls.record('forgetCustomerRecords', input);
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      return { messages: 2, identities: 1 };
    },
  } satisfies Partial<Activities>;

  beforeAll(async () => {
    worker = await startStubbedWorker(stubs);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('retries the deletion until it lands, whether or not the customer workflow runs', async () => {
    const customerId = `cus_${randomUUID().slice(0, 8)}`;
    const workflowId = forgetCustomerWorkflowId(customerId);
    const result = await worker.client.workflow.execute<ForgetCustomerWorkflow>(FORGET_CUSTOMER_WORKFLOW, {
      workflowId,
      taskQueue: worker.taskQueue,
      args: [{ customerId }],
    });
    expect(result).toEqual({ customerId, deleted: { messages: 2, identities: 1, knowledge_chunks: 3 } });
    expect(calls.of(workflowId, 'forgetCustomerKnowledge').map((c) => c.input)).toEqual([{ customerId }]);
    expect(calls.of(workflowId, 'forgetCustomerRecords').map((c) => c.input)).toEqual([{ customerId }, { customerId }]);
  });
});
