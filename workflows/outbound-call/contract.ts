/** The outbound-call workflow's contract: places one call; `call-<CallSid>` follows it from then on. */
export const PLACE_OUTBOUND_CALL_WORKFLOW = 'placeOutboundCallWorkflow';

export interface OutboundCallInput {
  to: string;
  from?: string;
  accountSid?: string;
  record?: boolean;
}

export type PlaceOutboundCallWorkflow = (input: OutboundCallInput) => Promise<{ callSid: string }>;

/** `outbound-<request id>`: one run per operator request. */
export function outboundCallWorkflowId(requestId: string): string {
  return `outbound-${requestId}`;
}
