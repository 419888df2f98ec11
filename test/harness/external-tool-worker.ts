import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createExternalToolActivities, type ExternalToolDeps } from '../../activities/external-tools';
import type { ExternalToolResult } from '../../src/agents/external-tool-context';
import type { ExternalToolCall, externalToolWorkflow } from './external-tool-workflow';
import { testStack, uniqueName } from './stack';

/** One activity of a finished run, as its history shows it. */
interface ActivityRun {
  type: string;
  input: unknown;
  /** The attempt that completed it (1 = first). */
  attempt: number;
}

export interface ExternalToolWorker {
  /** Runs one tool through a workflow; the result and what the history recorded. */
  run(call: ExternalToolCall): Promise<{ result: ExternalToolResult; activities: ActivityRun[] }>;
  stop(): Promise<void>;
}

let bundle: Promise<{ code: string }> | undefined;

/** The real external-tool activities on their own task queue of the shared dev server, behind a tiny workflow. */
export async function startExternalToolWorker(deps: ExternalToolDeps): Promise<ExternalToolWorker> {
  const { temporalAddress } = testStack();
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('./external-tool-workflow'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  const taskQueue = uniqueName('ext-tools');
  const [connection, nativeConnection, code] = await Promise.all([
    Connection.connect({ address: temporalAddress }),
    NativeConnection.connect({ address: temporalAddress }),
    bundle,
  ]);
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: code,
    activities: createExternalToolActivities(deps),
  });
  const running = worker.run();
  const client = new Client({ connection });
  return {
    async run(call) {
      const handle = await client.workflow.start<typeof externalToolWorkflow>('externalToolWorkflow', {
        taskQueue,
        workflowId: uniqueName('ext-tool'),
        args: [call],
      });
      const result = await handle.result();
      const history = await handle.fetchHistory();
      return { result, activities: activityRuns(history.events ?? []) };
    },
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close()]);
    },
  };
}

function activityRuns(events: temporal.api.history.v1.IHistoryEvent[]): ActivityRun[] {
  const scheduled = new Map<string, { type: string; input: unknown }>();
  const runs: ActivityRun[] = [];
  for (const event of events) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      const payload = s.input?.payloads?.[0]?.data;
      scheduled.set(String(event.eventId), {
        type: s.activityType?.name ?? '',
        input: payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as unknown) : undefined,
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const activity = scheduled.get(String(started.scheduledEventId));
      if (activity) runs.push({ ...activity, attempt: started.attempt ?? 1 });
    }
  }
  return runs;
}
