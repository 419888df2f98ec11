import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowSignalWithStartOptions,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { SearchAttributePair, SignalDefinition, WithWorkflowArgs, Workflow } from '@temporalio/common';

/** A workflow started by type name, typed by its contract's function type (`W`). */
export interface StartOptions<W extends Workflow> {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  searchAttributes?: SearchAttributePair[];
  memo?: Record<string, unknown>;
  /** Shown in the Temporal UI. */
  staticSummary?: string;
}

export interface SignalWithStartOptions<W extends Workflow, SignalArgs extends unknown[]> extends StartOptions<W> {
  signal: SignalDefinition<SignalArgs>;
  signalArgs: SignalArgs;
}

function plainOptions<W extends Workflow>(
  options: StartOptions<W>,
  policies: { workflowIdReusePolicy: WorkflowIdReusePolicy; workflowIdConflictPolicy?: WorkflowIdConflictPolicy },
) {
  return {
    workflowId: options.workflowId,
    taskQueue: options.taskQueue,
    args: options.args,
    ...policies,
    ...(options.searchAttributes ? { typedSearchAttributes: options.searchAttributes } : {}),
    ...(options.memo ? { memo: options.memo } : {}),
    ...(options.staticSummary ? { staticSummary: options.staticSummary } : {}),
  };
}

/** The SDK's start options for a workflow typed by its contract. */
export function workflowStartOptions<W extends Workflow>(
  options: StartOptions<W>,
  policies: { workflowIdReusePolicy: WorkflowIdReusePolicy; workflowIdConflictPolicy?: WorkflowIdConflictPolicy },
): WorkflowStartOptions<W> {
  // Callers' args are checked against Parameters<W> above; the SDK's conditional `args` type
  // (required or optional, depending on W) cannot be resolved for a generic W.
  return plainOptions(options, policies) as unknown as WorkflowStartOptions<W>;
}

/**
 * Starts the workflow at most once per id, ever: a redelivered provider event or a retried request
 * is a no-op ('duplicate'), even after the first run completed. Other failures are thrown.
 */
export async function startOnce<W extends Workflow>(
  client: Client,
  options: StartOptions<W>,
): Promise<'started' | 'duplicate'> {
  try {
    await client.workflow.start<W>(
      options.workflowType,
      workflowStartOptions(options, { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw error;
  }
}

/**
 * Delivers a signal to the workflow, starting it if this is the first news (a status callback and
 * a media stream race to be first). Once that workflow has finished, a late signal is dropped
 * ('finished') rather than starting a second run under the same id.
 */
export async function signalWithStartOnce<W extends Workflow, SignalArgs extends unknown[]>(
  client: Client,
  options: SignalWithStartOptions<W, SignalArgs>,
): Promise<'delivered' | 'finished'> {
  const signalWithStart = {
    ...plainOptions(options, { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE }),
    signal: options.signal,
    signalArgs: options.signalArgs,
  };
  try {
    // As in workflowStartOptions: checked against Parameters<W> and SignalDefinition<SignalArgs> above.
    await client.workflow.signalWithStart<W, SignalArgs>(
      options.workflowType,
      signalWithStart as unknown as WithWorkflowArgs<W, WorkflowSignalWithStartOptions<SignalArgs>>,
    );
    return 'delivered';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'finished';
    throw error;
  }
}

/**
 * Keeps one long-running workflow per id: starts it unless a run with that id is running (then
 * nothing happens). Unlike {@link startOnce}, a run that finished, failed or was terminated is
 * replaced, so a job that must always run is back with the next process start.
 */
export async function startUnlessRunning<W extends Workflow>(client: Client, options: StartOptions<W>): Promise<void> {
  await client.workflow.start<W>(
    options.workflowType,
    workflowStartOptions(options, {
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    }),
  );
}
