import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowSignalWithStartOptions,
} from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { AccountSidKey, CallSidKey, ChannelKey } from '../temporal/search-attributes';
import { callWorkflow, type CallWorkflowInput } from '../../workflows/call';
import { callWorkflowId } from './call-types';

/**
 * Delivers a signal to `call-<CallSid>`, starting the call's workflow if this is the first news
 * of the call (a status callback and the media stream race). Once the call's workflow has
 * finished, a late signal is dropped rather than starting a second run for the same call.
 */
export async function signalCallWorkflow<Args extends unknown[]>(
  temporal: Client,
  taskQueue: string,
  call: { callSid: string; accountSid: string },
  signal: SignalDefinition<Args>,
  args: Args,
): Promise<'delivered' | 'call-already-finished'> {
  const options = {
    workflowId: callWorkflowId(call.callSid),
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    taskQueue,
    args: [{ callSid: call.callSid, accountSid: call.accountSid }],
    signal,
    signalArgs: args,
    typedSearchAttributes: [
      { key: CallSidKey, value: call.callSid },
      { key: AccountSidKey, value: call.accountSid },
      { key: ChannelKey, value: 'voice' },
    ],
  };
  try {
    // Checked against SignalDefinition<Args> above; the SDK's conditional option types cannot see through a generic Args.
    await temporal.workflow.signalWithStart(
      callWorkflow,
      options as unknown as WorkflowSignalWithStartOptions<Args> & { args: [CallWorkflowInput] },
    );
    return 'delivered';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'call-already-finished';
    throw error;
  }
}
