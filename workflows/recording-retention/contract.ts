/**
 * The recording-retention workflow's contract: one long-running run per orchestrator task queue,
 * started by the orchestrator when it starts (unless it is running), deleting call recordings past
 * `voice.recordingRetentionDays` at Twilio every `sweepEveryMs`.
 */
export const RECORDING_RETENTION_WORKFLOW = 'recordingRetentionWorkflow';

export interface RecordingRetentionInput {
  /** Pause between sweeps (the first sweep runs at once). */
  sweepEveryMs: number;
  /** A sweep that continued as new resumes after this recording sid. */
  resumeAfter?: string;
}

export type RecordingRetentionWorkflow = (input: RecordingRetentionInput) => Promise<void>;

/** `recording-retention-<task queue>`: one per deployment (several may share a Temporal namespace). */
export function recordingRetentionWorkflowId(taskQueue: string): string {
  return `recording-retention-${taskQueue}`;
}
