import type { Client } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import { callStateQuery, callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import type { CallResume } from './voice-session';

/** A takeover does not keep the caller waiting on a slow workflow query longer than this. */
const QUERY_TIMEOUT_MS = 3_000;
/**
 * When the call's workflow cannot be asked, turn numbers jump this far per reconnect, so the new
 * stream's turns never overwrite the ones the lost stream recorded.
 */
const UNKNOWN_TURNS_OFFSET = 10_000;

/**
 * What a worker taking over a lost stream needs from the call's workflow: the turns heard so far,
 * where turn numbering goes on, and the tools still running. If the workflow cannot answer in time
 * the call still resumes (with the resumption line), only without what was said before.
 */
export async function resumeOf(temporal: Client, callSid: string, seq: number, log: Logger): Promise<CallResume> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await Promise.race([
      temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).query(callStateQuery),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${QUERY_TIMEOUT_MS} ms`)), QUERY_TIMEOUT_MS);
      }),
    ]);
    const transcript = state.transcript ?? [];
    return {
      transcript,
      lastTurnId: Math.max(0, ...transcript.map((t) => t.turnId)),
      toolsInFlight: state.toolsInFlight ?? [],
    };
  } catch (error) {
    log.error({ err: error, callSid }, "could not read the call's state; resuming without what was said before");
    return { transcript: [], lastTurnId: seq * UNKNOWN_TURNS_OFFSET, toolsInFlight: [] };
  } finally {
    clearTimeout(timer);
  }
}
