import type { Client } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import type { CallEvents } from './call-events';
import { signalCallWorkflow } from '../voice/call-signals';
import type { CallTurn, StreamEnded, StreamStarted, ToolRequest } from '../voice/call-types';
import type { ToolOutcome } from '../agents/tool-calls';
import {
  callWorkflowId,
  dtmfSignal,
  runToolUpdate,
  streamEndedSignal,
  streamStartedSignal,
  turnSignal,
  type CallWorkflow,
} from '../../workflows/call/contract';

/** Signals are retried this long (with backoff, about a minute) before the loss is logged; audio never waits for them. */
const SIGNAL_ATTEMPTS = 16;

/**
 * The realtime loop's line to the call's workflow. Signals go out in order on a background
 * chain — the audio loop never awaits Temporal — and are retried if Temporal is briefly away.
 * Tools are updates: their answer is awaited, but only by the turn that asked for them.
 */
export class CallReporter implements CallEvents {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly call: { callSid: string; accountSid: string },
    private readonly log: Logger,
  ) {}

  streamStarted(started: StreamStarted): void {
    this.enqueue('streamStarted', () =>
      signalCallWorkflow(this.temporal, this.taskQueue, this.call, streamStartedSignal, [started]),
    );
  }

  turn(turn: CallTurn): void {
    this.enqueue('turn', () => signalCallWorkflow(this.temporal, this.taskQueue, this.call, turnSignal, [turn]));
  }

  dtmf(digits: string): void {
    this.enqueue('dtmf', () =>
      signalCallWorkflow(this.temporal, this.taskQueue, this.call, dtmfSignal, [
        { digits, at: new Date().toISOString() },
      ]),
    );
  }

  ended(end: StreamEnded): void {
    this.enqueue('streamEnded', () =>
      signalCallWorkflow(this.temporal, this.taskQueue, this.call, streamEndedSignal, [end]),
    );
  }

  /** Runs a tool in the call's workflow; a failure becomes an answer the model can relay, never an exception. */
  async runTool(request: ToolRequest, timeoutMs = 15_000): Promise<ToolOutcome> {
    await this.chain;
    const handle = this.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(this.call.callSid));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        handle.executeUpdate(runToolUpdate, { args: [request], updateId: `tool-${request.toolCallId}` }),
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
        ),
      ]);
    } catch (error) {
      this.log.error({ err: error, tool: request.name, callSid: this.call.callSid }, 'voice tool failed');
      return { ok: false, result: `The ${request.name} tool is not available right now.` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when everything reported so far has been delivered (or given up on). */
  async flush(): Promise<void> {
    await this.chain;
  }

  private enqueue(what: string, deliver: () => Promise<unknown>): void {
    this.chain = this.chain.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await deliver();
          return;
        } catch (error) {
          if (attempt >= SIGNAL_ATTEMPTS) {
            this.log.error({ err: error, what, callSid: this.call.callSid }, 'could not report to the call workflow');
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    });
  }
}
