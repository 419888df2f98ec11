import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageStatusCallback } from '../src/messaging/status-callback';

const { recordDeliveryStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** One per (MessageSid, status): `msgstatus-<sid>-<status>`, so Twilio's redelivery is a no-op. */
export async function messageStatusWorkflow(callback: MessageStatusCallback): Promise<{ applied: boolean }> {
  return recordDeliveryStatus(callback);
}

export function messageStatusWorkflowId(callback: Pick<MessageStatusCallback, 'messageSid' | 'status'>): string {
  return `msgstatus-${callback.messageSid}-${callback.status}`;
}
