import { setTimeout as delay } from 'node:timers/promises';
import {
  ApplicationFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import type { ConfigStore } from '../config/store';
import { AccountSidKey } from './search-attributes';
import { workflowStartOptions } from './start-once';

/**
 * Runs one operator operation as its own workflow and waits a bounded time for its result. The
 * workflow id names the operation: a repeated request joins the running one or gets the
 * completed one's result; only a failed one may run again.
 */
export interface OperationRequest<W extends Workflow> {
  /** The workflow's type name from its contract; `W` is the contract's function type. */
  workflowType: string;
  workflowId: string;
  args: Parameters<W>;
  accountSid: string;
  /** Shown in the Temporal UI. */
  summary: string;
}

export type OperationOutcome<R> =
  | { done: true; result: R }
  | { done: false; workflowId: string }
  | { done: true; failure: { status: number; error: string; twilioCode?: number } };

export interface OperationRunner {
  temporal: Client;
  config: ConfigStore;
  /** How long a request waits before answering 202 (the operation carries on in Temporal). */
  waitMs: number;
}

function applicationFailureIn(error: unknown): ApplicationFailure | TimeoutFailure | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure || e instanceof TimeoutFailure) return e;
  }
  return undefined;
}

/** Twilio's verdict becomes ours where it is about the request (400/404/409); our own trouble is a 502. */
function describeFailure(error: WorkflowFailedError): { status: number; error: string; twilioCode?: number } {
  const failure = applicationFailureIn(error);
  if (failure instanceof TimeoutFailure || !failure)
    return { status: 504, error: `operation did not finish: ${failure?.message ?? error.message}` };
  if (failure.type === 'UnknownAccount') return { status: 400, error: failure.message };
  const details = (failure.details?.[0] ?? {}) as { status?: number; code?: number };
  const status = details.status === 400 || details.status === 404 || details.status === 409 ? details.status : 502;
  return { status, error: failure.message, ...(details.code !== undefined ? { twilioCode: details.code } : {}) };
}

export async function runOperation<W extends Workflow>(
  runner: OperationRunner,
  request: OperationRequest<W>,
): Promise<OperationOutcome<WorkflowResultType<W>>> {
  let handle: WorkflowHandle<W>;
  try {
    const options = workflowStartOptions<W>(
      {
        workflowType: request.workflowType,
        workflowId: request.workflowId,
        taskQueue: runner.config.get().temporal.taskQueue,
        args: request.args,
        staticSummary: request.summary,
        searchAttributes: [{ key: AccountSidKey, value: request.accountSid }],
      },
      {
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      },
    );
    handle = await runner.temporal.workflow.start<W>(request.workflowType, options);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // The same operation completed before (a repeated request): its result is the answer.
    handle = runner.temporal.workflow.getHandle<W>(request.workflowId);
  }
  const result = handle.result().then(
    (value): OperationOutcome<WorkflowResultType<W>> => ({ done: true, result: value }),
    (error: unknown): OperationOutcome<WorkflowResultType<W>> => {
      if (error instanceof WorkflowFailedError) return { done: true, failure: describeFailure(error) };
      throw error;
    },
  );
  const stop = new AbortController();
  const timeout = delay(runner.waitMs, undefined, { signal: stop.signal }).then(
    (): OperationOutcome<WorkflowResultType<W>> => ({ done: false, workflowId: request.workflowId }),
    // Aborted once the result arrived: this branch never wins then.
    () => new Promise<never>(() => undefined),
  );
  try {
    return await Promise.race([result, timeout]);
  } finally {
    stop.abort();
    // If the timeout won, the result still settles later; nothing waits for it.
    result.catch(() => undefined);
  }
}
