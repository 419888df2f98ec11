import {
  ContinueAsNew,
  isCancellation,
  proxyActivities,
  workflowInfo,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type Next,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { BINDING_MEMO, EVENT_VERSION } from '../../src/events/catalog';

const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** "Activity task failed: CRM answered HTTP 500": a failure down to its root cause. */
function failureMessage(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(': ') || String(error);
}

/**
 * A workflow started for an event binding that fails emits `workflow.failed` (then fails as
 * usual, visible in the Web UI with its error). Other workflows pass straight through.
 */
class ReportBoundWorkflowFailure implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      const info = workflowInfo();
      const memo = info.memo ?? {};
      const binding = memo[BINDING_MEMO.binding];
      const eventType = memo[BINDING_MEMO.eventType];
      // A workflow bound to workflow.failed that fails itself is not reported again: no event loops.
      if (
        typeof binding === 'string' &&
        eventType !== 'workflow.failed' &&
        !(error instanceof ContinueAsNew) &&
        !isCancellation(error)
      ) {
        const eventId = String(memo[BINDING_MEMO.eventId]);
        const accountSid = memo[BINDING_MEMO.accountSid];
        await publishEvent({
          id: `workflow.failed:${info.workflowId}`,
          type: 'workflow.failed',
          version: EVENT_VERSION,
          occurredAt: new Date().toISOString(),
          source: 'beluga',
          ...(typeof accountSid === 'string' ? { accountSid } : {}),
          data: {
            workflowType: info.workflowType,
            workflowId: info.workflowId,
            binding,
            eventId,
            eventType: String(eventType),
            error: failureMessage(error),
          },
        });
      }
      throw error;
    }
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new ReportBoundWorkflowFailure()] });
