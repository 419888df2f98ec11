import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { placeCall } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Twilio 429/5xx are retried; a refused number fails at once (non-retryable from the activity).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface OutboundCallInput {
  to: string;
  from?: string;
  accountSid?: string;
  record?: boolean;
}

/** `outbound-<id>`: places the call; from then on `call-<CallSid>` follows it like any call. */
export async function placeOutboundCallWorkflow(input: OutboundCallInput): Promise<{ callSid: string }> {
  return placeCall(input);
}
