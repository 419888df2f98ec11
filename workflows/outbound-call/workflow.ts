import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { TWILIO_CALL } from '../../src/temporal/retry-policies';
import type { OutboundCallInput, PlaceOutboundCallWorkflow } from './contract';

const { placeCall } = proxyActivities<Activities>(TWILIO_CALL);

/** `outbound-<id>`: places the call; from then on `call-<CallSid>` follows it like any call. */
export async function placeOutboundCallWorkflow(input: OutboundCallInput): Promise<{ callSid: string }> {
  return placeCall(input);
}
placeOutboundCallWorkflow satisfies PlaceOutboundCallWorkflow;
