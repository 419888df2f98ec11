import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DeliverWebhookInput, DeliverWebhookResult, DeliverWebhookWorkflow } from './contract';

const { recordWebhookFinalFailure } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

/**
 * `webhook-<subscriber>-<eventId>`: one signed delivery, retried as a durable activity with
 * exponential backoff and jitter until the subscriber's deadline. Each subscriber gets its own
 * execution, so a slow or dead receiver never delays another one (or the call that caused it).
 */
export async function deliverWebhookWorkflow(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  const { subscriber, event } = input;
  const { deliverWebhook } = proxyActivities<Activities>({
    startToCloseTimeout: subscriber.timeoutMs + 5_000,
    scheduleToCloseTimeout: subscriber.deadlineSeconds * 1000,
    // The activity sets a jittered nextRetryDelay; these bound it if it did not.
    retry: {
      initialInterval: subscriber.initialBackoffMs,
      backoffCoefficient: 2,
      maximumInterval: subscriber.maxBackoffMs,
    },
  });
  try {
    return await deliverWebhook({ subscriber, event });
  } catch (error) {
    const reason = error instanceof ActivityFailure && error.cause ? error.cause.message : String(error);
    await recordWebhookFinalFailure({ subscriber: subscriber.name, eventId: event.id, eventType: event.type, reason });
    throw ApplicationFailure.nonRetryable(
      `webhook ${subscriber.name} gave up on ${event.id}: ${reason}`,
      'WebhookDeliveryFailed',
    );
  }
}
deliverWebhookWorkflow satisfies DeliverWebhookWorkflow;
