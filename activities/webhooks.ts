import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../src/config/schema';
import type { Logger } from '../src/observability/logger';
import { jitteredBackoffMs } from '../src/runtime/backoff';
import { SIGNATURE_HEADER, signWebhook } from '../src/webhooks/signature';
import { webhookDeliveryId, type WebhookDeliveryLog } from '../src/webhooks/delivery-log';
import type { DeliverWebhookInput } from '../workflows/deliver-webhook/contract';

export interface WebhookDeps {
  config: () => Config;
  webhookLog: WebhookDeliveryLog;
  log: Logger;
}

export function createWebhookActivities(deps: WebhookDeps) {
  return {
    /** One attempt: POST the signed event; anything but 2xx is retried (with a jittered delay) until the deadline. */
    async deliverWebhook(input: DeliverWebhookInput): Promise<{ delivered: true; attempts: number; status: number }> {
      const { attempt } = Context.current().info;
      const { subscriber: options, event } = input;
      const subscriber = deps.config().webhooks.subscribers.find((s) => s.name === options.name);
      const deliveryId = webhookDeliveryId(options.name, event.id);
      if (!subscriber)
        throw ApplicationFailure.nonRetryable(
          `webhook subscriber "${options.name}" is no longer configured`,
          'SubscriberRemoved',
        );

      const body = JSON.stringify(event);
      const started = Date.now();
      const base = {
        deliveryId,
        subscriber: subscriber.name,
        eventId: event.id,
        eventType: event.type,
        attempt,
        url: subscriber.url,
      };
      let status: number | undefined;
      let error: string | undefined;
      try {
        const response = await fetch(subscriber.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(subscriber.timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Beluga-Webhooks/1',
            'beluga-event-id': event.id,
            'beluga-event-type': event.type,
            'beluga-delivery-id': deliveryId,
            'beluga-delivery-attempt': String(attempt),
            [SIGNATURE_HEADER]: signWebhook(subscriber.secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
        });
        status = response.status;
        await response.body?.cancel();
        if (status < 200 || status >= 300) error = `receiver answered HTTP ${status}`;
      } catch (e) {
        error =
          e instanceof Error && e.name === 'TimeoutError'
            ? `no answer within ${subscriber.timeoutMs} ms`
            : `could not reach the receiver: ${(e as Error).message}`;
      }
      const durationMs = Date.now() - started;
      await deps.webhookLog.record({
        ...base,
        at: new Date(),
        outcome: error ? 'failed' : 'delivered',
        ...(status !== undefined ? { httpStatus: status } : {}),
        ...(error ? { error } : {}),
        durationMs,
      });
      if (!error) return { delivered: true, attempts: attempt, status: status! };
      deps.log.warn(
        { subscriber: subscriber.name, eventId: event.id, attempt, status, error },
        'webhook delivery attempt failed',
      );
      throw ApplicationFailure.create({
        message: error,
        type: 'WebhookAttemptFailed',
        nextRetryDelay: jitteredBackoffMs(attempt, options.initialBackoffMs, options.maxBackoffMs),
      });
    },

    /** The deadline passed: the delivery log and the logs say so, once. */
    async recordWebhookFinalFailure(input: {
      subscriber: string;
      eventId: string;
      eventType: string;
      reason: string;
    }): Promise<void> {
      const deliveryId = webhookDeliveryId(input.subscriber, input.eventId);
      const attempts = await deps.webhookLog.list({ deliveryId });
      const last = attempts.filter((a) => a.outcome === 'failed').at(-1);
      const error = last?.error ?? input.reason;
      await deps.webhookLog.record({
        deliveryId,
        subscriber: input.subscriber,
        eventId: input.eventId,
        eventType: input.eventType,
        attempt: attempts.length,
        at: new Date(),
        url: last?.url ?? '',
        outcome: 'gave_up',
        error: `gave up after ${attempts.length} attempt(s): ${error}`,
      });
      deps.log.error(
        { subscriber: input.subscriber, eventId: input.eventId, attempts: attempts.length, error },
        'webhook delivery failed for good',
      );
    },
  };
}
