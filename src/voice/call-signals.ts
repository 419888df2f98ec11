import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { AccountSidKey, CallSidKey, ChannelKey } from '../temporal/search-attributes';
import { signalWithStartOnce } from '../temporal/start-once';
import { CALL_WORKFLOW, callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';

/**
 * Delivers a signal to `call-<CallSid>`, starting the call's workflow if this is the first news
 * of the call (a status callback and the media stream race). Once the call's workflow has
 * finished, a late signal is dropped ('finished') rather than starting a second run for the same call.
 */
export async function signalCallWorkflow<Args extends unknown[]>(
  temporal: Client,
  taskQueue: string,
  call: { callSid: string; accountSid: string },
  signal: SignalDefinition<Args>,
  args: Args,
): Promise<'delivered' | 'finished'> {
  return signalWithStartOnce<CallWorkflow, Args>(temporal, {
    workflowType: CALL_WORKFLOW,
    workflowId: callWorkflowId(call.callSid),
    taskQueue,
    args: [{ callSid: call.callSid, accountSid: call.accountSid }],
    signal,
    signalArgs: args,
    searchAttributes: [
      { key: CallSidKey, value: call.callSid },
      { key: AccountSidKey, value: call.accountSid },
      { key: ChannelKey, value: 'voice' },
    ],
  });
}
