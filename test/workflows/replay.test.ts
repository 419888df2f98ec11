import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { HISTORY_FIXTURES, maybeRecordHistory } from '../harness/history-fixtures';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { eventually, inboundSms, startTestSystem, TEST_ACCOUNT_SID, type TestSystem } from '../harness/system';
import { workflowBundle } from '../harness/workflow-bundle';
import { IdentityStore } from '../../src/customers/identity-store';
import { customerWorkflowId } from '../../workflows/customer/contract';

const FIXTURES = HISTORY_FIXTURES;

/**
 * Workflow code must stay replayable against histories that real runs produced: a change that
 * breaks determinism fails here before it breaks running workflows. The committed fixtures were
 * recorded from real runs (BELUGA_RECORD_HISTORIES=1 BELUGA_HISTORY_NAME=<what changed> records one more); a history produced by
 * this run is replayed too.
 */
describe('workflow replay', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function recordCustomerConversation(): Promise<{
    workflowId: string;
    history: temporal.api.history.v1.IHistory;
  }> {
    const from = '+14155557001';
    system.anthropic.setResponder(undefined);
    for (const body of ['hello', 'second message']) {
      const count = system.twilio.sentMessages({ to: from }).length;
      await system.webhook('/twilio/messaging/inbound', inboundSms(from, body));
      await eventually('reply', () => system.twilio.sentMessages({ to: from }).length > count);
    }
    const customerId = await new IdentityStore(system.db).resolve(TEST_ACCOUNT_SID, from);
    const workflowId = customerWorkflowId(customerId);
    return { workflowId, history: await system.temporal.workflow.getHandle(workflowId).fetchHistory() };
  }

  it('replays committed histories of real runs and a fresh one without nondeterminism', async () => {
    const { workflowId, history: fresh } = await recordCustomerConversation();
    maybeRecordHistory(workflowId, 'customer-workflow');
    const committed = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(committed.length).toBeGreaterThan(0);
    const histories = [
      { workflowId: 'fresh', history: fresh },
      ...committed.map((file) => ({
        workflowId: file,
        history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'))),
      })),
    ];
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories))
      results.push(result);
    expect(results).toHaveLength(histories.length);
    for (const result of results)
      expect({ id: result.workflowId, error: result.error }).toEqual({ id: result.workflowId, error: undefined });
  });
});
