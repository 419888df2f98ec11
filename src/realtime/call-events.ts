import type { CallTurn, StreamEnded, StreamStarted, ToolRequest } from '../voice/call-types';
import type { ToolOutcome } from '../agents/tool-calls';

/**
 * What the voice loop tells the call's record-keeper (the call workflow, through `CallReporter`)
 * and the one thing it asks of it: running a tool. Reports never block the audio; tests fake it.
 */
export interface CallEvents {
  streamStarted(started: StreamStarted): void;
  turn(turn: CallTurn): void;
  dtmf(digits: string): void;
  ended(end: StreamEnded): void;
  /** Runs a tool; a failure comes back as an answer the model can relay, never as an exception. */
  runTool(request: ToolRequest): Promise<ToolOutcome>;
  /** Resolves when everything reported so far has been delivered (or given up on). */
  flush(): Promise<void>;
}
