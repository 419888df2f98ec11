import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { MessageStatusCallback } from '../../src/messaging/status-callback';
import { EVENT_STEP } from '../../src/temporal/retry-policies';
import type { MessageStatusWorkflow } from './contract';

const { recordDeliveryStatus } = proxyActivities<Activities>(EVENT_STEP);

/** One per (MessageSid, status): `msgstatus-<sid>-<status>`, so Twilio's redelivery is a no-op. */
export async function messageStatusWorkflow(callback: MessageStatusCallback): Promise<{ applied: boolean }> {
  return recordDeliveryStatus(callback);
}
messageStatusWorkflow satisfies MessageStatusWorkflow;
