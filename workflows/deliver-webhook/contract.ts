/** The webhook delivery workflow's contract: one signed delivery of one event to one subscriber. */
import type { BelugaEvent } from '../../src/events/catalog';

export const DELIVER_WEBHOOK_WORKFLOW = 'deliverWebhookWorkflow';

/** Captured when the event arrived; the URL and secret are read live at each attempt (rotation works). */
interface WebhookDeliveryOptions {
  name: string;
  deadlineSeconds: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export interface DeliverWebhookInput {
  subscriber: WebhookDeliveryOptions;
  event: BelugaEvent;
}

export interface DeliverWebhookResult {
  delivered: true;
  attempts: number;
  status: number;
}

export type DeliverWebhookWorkflow = (input: DeliverWebhookInput) => Promise<DeliverWebhookResult>;

/** `webhook-<subscriber>-<event id>`: each subscriber gets its own execution per event, ever. */
export function webhookWorkflowId(subscriber: string, eventId: string): string {
  return `webhook-${subscriber}-${eventId}`;
}
