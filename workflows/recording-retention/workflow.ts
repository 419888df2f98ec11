import { ActivityFailure, continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { EVENT_STEP, RECORDING_DELETION } from '../../src/temporal/retry-policies';
import type { RecordingRetentionInput, RecordingRetentionWorkflow } from './contract';

const { expiredRecordings } = proxyActivities<Activities>(EVENT_STEP);
const { deleteExpiredRecording } = proxyActivities<Activities>(RECORDING_DELETION);

/** Recordings deleted at once (Twilio's per-account concurrency is limited). */
const PAGE_SIZE = 20;
/** Pages per run before continuing as new: keeps the event history small (about 70 events a full page). */
const PAGES_PER_RUN = 100;

/**
 * Sweeps for recordings past `voice.recordingRetentionDays` (read live by the activities: nothing
 * is found while it is unset), deletes each at Twilio and marks it deleted, page by page, then
 * sleeps `sweepEveryMs`. A durable timer: a restart of every process delays nothing. A recording
 * that cannot be deleted after its retries is logged and left for the next sweep.
 */
export async function recordingRetentionWorkflow(input: RecordingRetentionInput): Promise<void> {
  let after = input.resumeAfter;
  for (let pages = 0; ; pages++) {
    if (pages >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested)
      await continueAsNew<RecordingRetentionWorkflow>({
        sweepEveryMs: input.sweepEveryMs,
        ...(after !== undefined ? { resumeAfter: after } : {}),
      });
    const page = await expiredRecordings({ ...(after !== undefined ? { after } : {}), limit: PAGE_SIZE });
    await Promise.all(
      page.recordings.map((recording) =>
        deleteExpiredRecording(recording).catch((error: unknown) => {
          if (!(error instanceof ActivityFailure)) throw error;
          log.warn('recording not deleted; the next sweep tries again', {
            recordingSid: recording.recordingSid,
            error: error.cause?.message ?? error.message,
          });
        }),
      ),
    );
    after = page.next;
    if (after === undefined) await sleep(input.sweepEveryMs);
  }
}
recordingRetentionWorkflow satisfies RecordingRetentionWorkflow;
