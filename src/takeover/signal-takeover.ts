import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema';
import { AccountSidKey, CustomerIdKey } from '../temporal/search-attributes';
import {
  CUSTOMER_WORKFLOW,
  customerWorkflowId,
  handBackSignal,
  humanReplySignal,
  pauseAgentSignal,
  type CustomerWorkflow,
  type TakeoverCommand,
} from '../../workflows/customer/contract';

/**
 * Delivers an operator's takeover command to the customer's workflow, starting it when it is idle
 * or has ended (`signalWithStart`, as an inbound message does): a pause must hold even a
 * conversation that has no run at the moment.
 */
export async function signalTakeover(
  temporal: Client,
  config: Config,
  customerId: string,
  command: TakeoverCommand,
): Promise<void> {
  const common = {
    workflowId: customerWorkflowId(customerId),
    taskQueue: config.temporal.taskQueue,
    args: [{ customerId, maxMessagesPerRun: config.messaging.maxMessagesPerRun }] as Parameters<CustomerWorkflow>,
    typedSearchAttributes: [
      { key: CustomerIdKey, value: customerId },
      { key: AccountSidKey, value: command.accountSid },
    ],
  };
  switch (command.kind) {
    case 'pause': {
      const { kind: _kind, ...request } = command;
      await temporal.workflow.signalWithStart(CUSTOMER_WORKFLOW, {
        ...common,
        signal: pauseAgentSignal,
        signalArgs: [request],
      });
      return;
    }
    case 'reply': {
      const { kind: _kind, ...reply } = command;
      await temporal.workflow.signalWithStart(CUSTOMER_WORKFLOW, {
        ...common,
        signal: humanReplySignal,
        signalArgs: [reply],
      });
      return;
    }
    case 'handBack': {
      const { kind: _kind, ...request } = command;
      await temporal.workflow.signalWithStart(CUSTOMER_WORKFLOW, {
        ...common,
        signal: handBackSignal,
        signalArgs: [request],
      });
      return;
    }
  }
}
