import { randomUUID } from 'node:crypto';
import type { Activities } from '../../activities';
import {
  FORGET_CUSTOMER_WORKFLOW,
  forgetCustomerWorkflowId,
  type ForgetCustomerWorkflow,
} from '../../workflows/forget-customer/contract';
import { ActivityCalls, startStubbedWorker, type StubbedWorker } from '../harness/stubbed-worker';

/** forgetCustomerWorkflow with a stubbed deletion: a failed attempt is retried, and no live conversation is needed. */
describe('forgetCustomerWorkflow', () => {
  const calls = new ActivityCalls();
  let worker: StubbedWorker;
  let failNext = true;

  const stubs = {
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
    expect(result).toEqual({ customerId, deleted: { messages: 2, identities: 1 } });
    expect(calls.of(workflowId, 'forgetCustomerRecords').map((c) => c.input)).toEqual([{ customerId }, { customerId }]);
  });
});
