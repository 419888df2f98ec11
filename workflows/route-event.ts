import { ChildWorkflowFailure, ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BelugaEvent } from '../src/events/catalog';
import { AccountSidKey, CustomerIdKey, EventTypeKey } from '../src/temporal/search-attributes';
import { deliverWebhookWorkflow, type WebhookDeliveryOptions } from './deliver-webhook';

export interface RouteEventInput {
  event: BelugaEvent;
  /** Resolved from the configuration when the event arrived. */
  bindings: Array<{ name: string; workflow: string; taskQueue: string }>;
  subscribers: WebhookDeliveryOptions[];
}

export interface RouteEventResult {
  completed: string[];
  failed: Array<{ binding: string; error: string }>;
}

const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** "Activity task failed: CRM answered HTTP 500": the child's failure down to its root cause. */
function failureMessage(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error instanceof ChildWorkflowFailure ? (error.cause ?? error) : error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(': ') || String(error);
}

/**
 * `event-<eventId>`: starts every workflow bound to the event and every webhook delivery, all at
 * once and independent of each other (each its own execution, abandoned on close so none holds up
 * another). Waits for the bound workflows only to report a failure as a `workflow.failed` event.
 */
export async function routeEventWorkflow(input: RouteEventInput): Promise<RouteEventResult> {
  const { event } = input;
  const searchAttributes = [
    { key: EventTypeKey, value: event.type },
    ...(event.accountSid ? [{ key: AccountSidKey, value: event.accountSid }] : []),
    ...(event.customerId ? [{ key: CustomerIdKey, value: event.customerId }] : []),
  ];
  const deliveries = input.subscribers.map((subscriber) =>
    startChild(deliverWebhookWorkflow, {
      workflowId: `webhook-${subscriber.name}-${event.id}`,
      args: [{ subscriber, event }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: searchAttributes,
    }),
  );
  const runs = input.bindings.map(async (binding) => {
    try {
      const child = await startChild(binding.workflow, {
        workflowId: `${binding.name}-${event.id}`,
        taskQueue: binding.taskQueue,
        args: [event],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: searchAttributes,
      });
      await child.result();
      return { binding: binding.name, workflow: binding.workflow, error: undefined };
    } catch (error) {
      return { binding: binding.name, workflow: binding.workflow, error: failureMessage(error) };
    }
  });
  await Promise.allSettled(deliveries);
  const outcomes = await Promise.all(runs);
  const failed = outcomes.filter((o): o is { binding: string; workflow: string; error: string } => o.error !== undefined);
  // A workflow bound to workflow.failed that fails itself is not reported again: no event loops.
  if (event.type !== 'workflow.failed') {
    await Promise.all(
      failed.map((f) =>
        publishEvent({
          id: `workflow.failed:${f.binding}-${event.id}`,
          type: 'workflow.failed',
          version: event.version,
          occurredAt: new Date().toISOString(),
          source: 'beluga',
          ...(event.accountSid ? { accountSid: event.accountSid } : {}),
          ...(event.customerId ? { customerId: event.customerId } : {}),
          data: { workflowType: f.workflow, workflowId: `${f.binding}-${event.id}`, binding: f.binding, eventId: event.id, eventType: event.type, error: f.error },
        }),
      ),
    );
  }
  return { completed: outcomes.filter((o) => o.error === undefined).map((o) => o.binding), failed: failed.map(({ binding, error }) => ({ binding, error })) };
}
