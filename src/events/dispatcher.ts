import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { AccountSidKey, CustomerIdKey, EventTypeKey } from '../temporal/search-attributes';
import { routeEventWorkflow, type RouteEventInput } from '../../workflows/route-event';
import { matchingBindings, matchingSubscribers } from './bindings';
import { EVENT_VERSION, type BelugaEvent, type EventDataMap, type EventType } from './catalog';
import type { EventLog } from './event-log';

export function eventWorkflowId(eventId: string): string {
  return `event-${eventId}`;
}

/** Builds an event with the current version; `id` must derive from the provider's ids. */
export function makeEvent<T extends EventType>(type: T, fields: { id: string; occurredAt?: Date | string; source?: 'twilio' | 'beluga'; accountSid?: string; customerId?: string; data: EventDataMap[T] }): BelugaEvent<T> {
  const occurredAt = fields.occurredAt === undefined ? new Date().toISOString() : new Date(fields.occurredAt).toISOString();
  return {
    id: fields.id,
    type,
    version: EVENT_VERSION,
    occurredAt,
    source: fields.source ?? 'twilio',
    ...(fields.accountSid ? { accountSid: fields.accountSid } : {}),
    ...(fields.customerId ? { customerId: fields.customerId } : {}),
    data: fields.data,
  };
}

export interface DispatchResult {
  /** False when the event log already had this id (a redelivery). */
  recorded: boolean;
  /** Workflows and webhook subscribers the event was routed to (by name). */
  routedTo: string[];
}

/**
 * Records an event and routes it: the bindings and webhook subscribers that match it *now* (the
 * live configuration, so edits apply without restart) are started by one `event-<id>` workflow.
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
    },
  ) {}

  async publish(event: BelugaEvent): Promise<DispatchResult> {
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
    const config = this.deps.config.get();
    const bindings = matchingBindings(config, event);
    const runnable = bindings.filter((b) => this.deps.knownWorkflows.has(b.workflow));
    for (const broken of bindings.filter((b) => !this.deps.knownWorkflows.has(b.workflow))) await this.reportUnknownWorkflow(event, broken.name, broken.workflow);
    const subscribers = matchingSubscribers(config, event);
    if (runnable.length === 0 && subscribers.length === 0) return { recorded, routedTo: [] };

    const input: RouteEventInput = {
      event,
      bindings: runnable.map((b) => ({ name: b.name, workflow: b.workflow, taskQueue: b.taskQueue ?? config.temporal.taskQueue })),
      subscribers: subscribers.map((s) => ({ name: s.name, deadlineSeconds: s.deadlineSeconds, initialBackoffMs: s.initialBackoffMs, maxBackoffMs: s.maxBackoffMs, timeoutMs: s.timeoutMs })),
    };
    try {
      await this.deps.temporal.workflow.start(routeEventWorkflow, {
        workflowId: eventWorkflowId(event.id),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        taskQueue: config.temporal.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: EventTypeKey, value: event.type },
          ...(event.accountSid ? [{ key: AccountSidKey, value: event.accountSid }] : []),
          ...(event.customerId ? [{ key: CustomerIdKey, value: event.customerId }] : []),
        ],
      });
    } catch (error) {
      // The same event was routed before (a Twilio retry): no second effect.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return { recorded, routedTo: [...input.bindings.map((b) => b.name), ...input.subscribers.map((s) => `webhook:${s.name}`)] };
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
        data: { workflowType, workflowId: `${binding}-${event.id}`, binding, eventId: event.id, eventType: event.type, error },
      }),
    );
  }
}
