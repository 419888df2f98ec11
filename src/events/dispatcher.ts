import type { Client } from '@temporalio/client';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import type { EventMetrics } from '../observability/metrics';
import { inSpan } from '../observability/tracing';
import { AccountSidKey, CustomerIdKey, EventTypeKey } from '../temporal/search-attributes';
import { startOnce } from '../temporal/start-once';
import {
  DELIVER_WEBHOOK_WORKFLOW,
  webhookWorkflowId,
  type DeliverWebhookInput,
  type DeliverWebhookWorkflow,
} from '../../workflows/deliver-webhook/contract';
import { matchingBindings, matchingSubscribers } from './bindings';
import { BINDING_MEMO, type BelugaEvent } from './catalog';
import type { EventLog } from './event-log';
import { makeEvent } from './make-event';
import type { DispatchResult } from './publish';
import { boundWorkflowId } from './routing-ids';

/**
 * Records an event and routes it: every binding and webhook subscriber that matches it *now* (the
 * live configuration, so edits apply without restart) gets its own workflow, started directly.
 * Both steps are idempotent by the event id, so a caller may simply retry the whole call.
 */
export class EventDispatcher {
  constructor(
    private readonly deps: {
      temporal: Client;
      events: EventLog;
      config: ConfigStore;
      log: Logger;
      /** Workflow types the orchestrator registers; a binding naming anything else fails loudly instead of hanging. */
      knownWorkflows: ReadonlySet<string>;
      metrics?: EventMetrics;
    },
  ) {}

  async publish(event: BelugaEvent): Promise<DispatchResult> {
    return inSpan('event.publish', { 'event.type': event.type, 'event.id': event.id }, async (span) => {
      const result = await this.record(event);
      span.setAttribute('event.routed_to', result.routedTo.length);
      return result;
    });
  }

  private async record(event: BelugaEvent): Promise<DispatchResult> {
    const recorded = await this.deps.events.append({
      id: event.id,
      type: event.type,
      version: event.version,
      source: event.source,
      occurredAt: new Date(event.occurredAt),
      ...(event.accountSid ? { accountSid: event.accountSid } : {}),
      ...(event.customerId ? { customerId: event.customerId } : {}),
      data: event.data as unknown as Record<string, unknown>,
    });
    if (recorded) this.deps.metrics?.eventPublished(event.type);
    const config = this.deps.config.get();
    const bindings = matchingBindings(config, event);
    for (const broken of bindings.filter((b) => !this.deps.knownWorkflows.has(b.workflow)))
      await this.reportUnknownWorkflow(event, broken.name, broken.workflow);
    const runnable = bindings.filter((b) => this.deps.knownWorkflows.has(b.workflow));
    const subscribers = matchingSubscribers(config, event);
    const searchAttributes = [
      { key: EventTypeKey, value: event.type },
      ...(event.accountSid ? [{ key: AccountSidKey, value: event.accountSid }] : []),
      ...(event.customerId ? [{ key: CustomerIdKey, value: event.customerId }] : []),
    ];
    // Each binding and each subscriber is its own execution, started at once: none waits for or
    // disturbs another, and the ids (`<binding>-<event id>`) make a redelivery start nothing.
    await Promise.all([
      ...runnable.map((binding) =>
        // A redelivered event starts nothing: the same event was routed before (a Twilio retry).
        startOnce<(event: BelugaEvent) => Promise<unknown>>(this.deps.temporal, {
          workflowType: binding.workflow,
          workflowId: boundWorkflowId(binding.name, event.id),
          taskQueue: binding.taskQueue ?? config.temporal.taskQueue,
          args: [event],
          memo: {
            [BINDING_MEMO.binding]: binding.name,
            [BINDING_MEMO.eventId]: event.id,
            [BINDING_MEMO.eventType]: event.type,
            ...(event.accountSid ? { [BINDING_MEMO.accountSid]: event.accountSid } : {}),
          },
          searchAttributes,
        }),
      ),
      ...subscribers.map((subscriber) => {
        const input: DeliverWebhookInput = {
          event,
          subscriber: {
            name: subscriber.name,
            deadlineSeconds: subscriber.deadlineSeconds,
            initialBackoffMs: subscriber.initialBackoffMs,
            maxBackoffMs: subscriber.maxBackoffMs,
            timeoutMs: subscriber.timeoutMs,
          },
        };
        return startOnce<DeliverWebhookWorkflow>(this.deps.temporal, {
          workflowType: DELIVER_WEBHOOK_WORKFLOW,
          workflowId: webhookWorkflowId(subscriber.name, event.id),
          taskQueue: config.temporal.taskQueue,
          args: [input],
          searchAttributes,
        });
      }),
    ]);
    return { recorded, routedTo: [...runnable.map((b) => b.name), ...subscribers.map((s) => `webhook:${s.name}`)] };
  }

  /** A binding that names no registered workflow is a configuration error: said once per event, as `workflow.failed`. */
  private async reportUnknownWorkflow(event: BelugaEvent, binding: string, workflowType: string): Promise<void> {
    const error = `no workflow named "${workflowType}" is registered (export it from workflows/custom/index.ts)`;
    this.deps.log.error({ binding, workflowType, eventId: event.id }, error);
    if (event.type === 'workflow.failed') return;
    await this.publish(
      makeEvent('workflow.failed', {
        id: `workflow.failed:${binding}-${event.id}`,
        source: 'beluga',
        ...(event.accountSid ? { accountSid: event.accountSid } : {}),
        data: {
          workflowType,
          workflowId: boundWorkflowId(binding, event.id),
          binding,
          eventId: event.id,
          eventType: event.type,
          error,
        },
      }),
    );
  }
}
