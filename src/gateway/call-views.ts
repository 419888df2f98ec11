import type { Config } from '../config/schema';
import type { CallListing, CallRecord } from '../voice/call-store';
import { callWorkflowId } from '../../workflows/call/contract';
import type { CallDetail, CallSummary, RecordingView, ToolCallView } from './api-types';

/** A call placed from the console (`POST /api/browser-calls`): its stream says so in `direction`. */
export const BROWSER_CALL_DIRECTION = 'browser';

/** The call's workflow in the Temporal Web UI, when its URL is configured (`temporal.uiUrl`). */
export function workflowUrl(config: Config, workflowId: string): string | undefined {
  const { uiUrl, namespace } = config.temporal;
  if (!uiUrl) return undefined;
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The same-origin path that streams a recording's audio through the gateway. */
export function recordingAudioPath(callSid: string, recordingSid: string): string {
  return `/api/calls/${callSid}/recordings/${recordingSid}/audio`;
}

export function callSummary(call: CallListing): CallSummary {
  return {
    callSid: call.callSid,
    accountSid: call.accountSid,
    ...(call.customerId !== undefined ? { customerId: call.customerId } : {}),
    ...(call.remote !== undefined ? { remote: call.remote } : {}),
    ...(call.local !== undefined ? { local: call.local } : {}),
    ...(call.direction !== undefined ? { direction: call.direction } : {}),
    ...(call.agentId !== undefined ? { agentId: call.agentId } : {}),
    ...(call.agentVersion !== undefined ? { agentVersion: call.agentVersion } : {}),
    startedAt: call.startedAt.toISOString(),
    ...(call.endedAt ? { endedAt: call.endedAt.toISOString() } : {}),
    ...(call.outcome ? { outcome: call.outcome } : {}),
    ...(call.durationSeconds !== undefined ? { durationSeconds: call.durationSeconds } : {}),
    turnCount: call.turnCount,
    live: call.outcome === undefined,
    ...(call.direction === BROWSER_CALL_DIRECTION ? { browser: true } : {}),
  };
}

/**
 * The call page's view: every field of the stored record (earlier clients read them as they were),
 * plus the list's, the tool calls of its turns, each recording's audio URL and the workflow's link.
 */
export function callDetail(config: Config, record: CallRecord): CallDetail & Record<string, unknown> {
  const { turns, recordings, startedAt: _s, endedAt: _e, ...call } = record;
  const toolCalls: ToolCallView[] = turns.flatMap((turn) =>
    (turn.tools ?? []).map((tool) => ({ turnId: turn.turnId, ...tool })),
  );
  const recordingViews = recordings.map((recording) => {
    const { at, deletedAt, ...rest } = recording;
    const playable = recording.status === 'completed' && !deletedAt;
    const view: RecordingView & Record<string, unknown> = {
      ...rest,
      at: at.toISOString(),
      ...(deletedAt ? { deletedAt: deletedAt.toISOString() } : {}),
      ...(playable ? { audioUrl: recordingAudioPath(record.callSid, recording.recordingSid) } : {}),
    };
    return view;
  });
  const workflowId = callWorkflowId(record.callSid);
  const link = workflowUrl(config, workflowId);
  return {
    ...call,
    ...callSummary({ ...record, turnCount: turns.length }),
    dtmf: record.dtmf,
    turns,
    toolCalls,
    recordings: recordingViews,
    workflowId,
    ...(link ? { workflowUrl: link } : {}),
  };
}
