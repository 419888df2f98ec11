/**
 * Writes a streamed reply as SSE, frame by frame, honouring time-to-first-token and token rate, and carrying out
 * mid-stream faults. Each frame is awaited until handed to the socket so the client really sees a stream.
 */
import type { ServerResponse } from 'node:http';
import { AbortedError, sleepUntil } from './timing';
import type { StreamFault } from './types';
import { errorBody, formatSseFrame, type StreamStep } from './wire-format';

export interface StreamPlan {
  steps: StreamStep[];
  /** Epoch ms; the first content delta is not written before it. */
  firstDeltaNotBefore: number;
  /** Spacing of content deltas after the first; 0 = no spacing. */
  deltaIntervalMs: number;
  fault?: StreamFault;
}

export type StreamResult = 'completed' | 'stream_error' | 'dropped' | 'client_disconnected';

export interface StreamHooks {
  requestId: string;
  /** Aborted when the client goes away or the emulator stops. */
  signal: AbortSignal;
  onFirstContentDelta: (at: number) => void;
}

function writeFrame(res: ServerResponse, frame: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(frame, (error) => (error ? reject(error) : resolve()));
  });
}

export async function writeSseStream(res: ServerResponse, plan: StreamPlan, hooks: StreamHooks): Promise<StreamResult> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': hooks.requestId,
  });
  res.flushHeaders();

  const faultAfterDeltas = plan.fault === undefined ? Infinity : Math.max(0, plan.fault.afterDeltas ?? 1);
  let deltasWritten = 0;
  let firstDeltaAt: number | undefined;
  try {
    for (const step of plan.steps) {
      // Faults strike between content frames: after `afterDeltas` deltas, or at the end of content if it is shorter.
      const atContentBoundary = step.isContentDelta || step.event === 'message_delta';
      if (
        plan.fault !== undefined &&
        atContentBoundary &&
        (deltasWritten >= faultAfterDeltas || !step.isContentDelta)
      ) {
        return await failStream(res, plan.fault);
      }
      if (step.isContentDelta) {
        const due =
          firstDeltaAt === undefined ? plan.firstDeltaNotBefore : firstDeltaAt + deltasWritten * plan.deltaIntervalMs;
        await sleepUntil(due, hooks.signal);
        if (firstDeltaAt === undefined) {
          firstDeltaAt = Date.now();
          hooks.onFirstContentDelta(firstDeltaAt);
        }
        deltasWritten += 1;
      }
      await writeFrame(res, formatSseFrame(step.event, step.data));
    }
    res.end();
    return 'completed';
  } catch (error) {
    if (error instanceof AbortedError || hooks.signal.aborted) {
      res.destroy();
      return 'client_disconnected';
    }
    throw error;
  }
}

async function failStream(res: ServerResponse, fault: StreamFault): Promise<StreamResult> {
  if (fault.kind === 'drop') {
    // Everything written so far has reached the socket; cutting it now leaves the chunked body unterminated.
    res.socket?.destroy();
    return 'dropped';
  }
  const body = errorBody(fault.errorType ?? 'overloaded_error', fault.message ?? 'Overloaded');
  await writeFrame(res, formatSseFrame('error', body));
  res.end();
  return 'stream_error';
}
