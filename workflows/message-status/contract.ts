/** The message-status workflow's contract: one run per (MessageSid, status). */
import type { MessageStatusCallback } from '../../src/messaging/status-callback';

export const MESSAGE_STATUS_WORKFLOW = 'messageStatusWorkflow';

export type MessageStatusWorkflow = (callback: MessageStatusCallback) => Promise<{ applied: boolean }>;

/** `msgstatus-<sid>-<status>`, so Twilio's redelivery is a no-op. */
export function messageStatusWorkflowId(callback: Pick<MessageStatusCallback, 'messageSid' | 'status'>): string {
  return `msgstatus-${callback.messageSid}-${callback.status}`;
}
