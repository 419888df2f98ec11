import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { testStack, uniqueName } from './stack';
import { workflowBundle } from './workflow-bundle';

/**
 * The real workflow bundle on its own task queue of the shared dev server, with stubbed activities
 * (plain functions: no database, no emulators). The dev server has no time skipping, so these
 * tests shorten the workflows' timers through their inputs (`timings`) instead.
 */
export interface StubbedWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startStubbedWorker(activities: object): Promise<StubbedWorker> {
  const { temporalAddress } = testStack();
  const taskQueue = uniqueName('wf-test');
  const [connection, nativeConnection, bundle] = await Promise.all([
    Connection.connect({ address: temporalAddress }),
    NativeConnection.connect({ address: temporalAddress }),
    workflowBundle(),
  ]);
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundle, activities });
  const running = worker.run();
  return {
    client: new Client({ connection }),
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close()]);
    },
  };
}

/** One stubbed activity call, with the workflow run that made it. */
export interface ActivityCall {
  name: string;
  input: unknown;
  workflowId: string;
  runId: string;
  at: number;
}

/** Every stub call in order; stubs call `record` first, from inside the activity context. */
export class ActivityCalls {
  readonly all: ActivityCall[] = [];

  record(name: string, input: unknown): void {
    const { workflowId, runId } = Context.current().info.workflowExecution ?? { workflowId: '', runId: '' };
    this.all.push({ name, input, workflowId, runId, at: Date.now() });
  }

  of(workflowId: string, name?: string): ActivityCall[] {
    return this.all.filter((c) => c.workflowId === workflowId && (name === undefined || c.name === name));
  }
}
