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

type ReportKind = 'streamStarted' | 'turn' | 'dtmf' | 'streamEnded';

/**
 * Reports waiting for the call workflow while Temporal is away: about an hour of a busy call's
 * turns. The queue must not grow with the outage; at the cap one report is dropped per report
 * added, in this order: the oldest keypad report (its digits also reach the workflow as the
 * caller's turn text), then the oldest turn. The stream's start and end are never dropped: the
 * call's lifecycle and outcome hang on them.
 */
export const MAX_PENDING_REPORTS = 500;
const DROPPED_AT_CAP: readonly ReportKind[] = ['dtmf', 'turn'];

interface PendingReport {
  seq: number;
  what: ReportKind;
  deliver: () => Promise<unknown>;
}

export class CallReporter implements CallEvents {
  private readonly pending: PendingReport[] = [];
  private inFlight: PendingReport | undefined;
  private draining = false;
  private seq = 0;
  private readonly flushWaiters: Array<{ upTo: number; resolve: () => void }> = [];
  /** Reports dropped at the cap, for the log. */
  private dropped = 0;

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
    private readonly call: { callSid: string; accountSid: string },
    private readonly log: Logger,
    private readonly limits: { maxPending: number; retryDelayMs: (attempt: number) => number } = {
      maxPending: MAX_PENDING_REPORTS,
      retryDelayMs: (attempt) => Math.min(5000, 100 * 2 ** attempt),
    },
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
    await this.flush();
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

  /** Resolves when everything reported so far has been delivered (or given up on, or dropped at the cap). */
  async flush(): Promise<void> {
    const upTo = this.seq;
    if (this.settledThrough() >= upTo) return;
    await new Promise<void>((resolve) => this.flushWaiters.push({ upTo, resolve }));
  }

  /** Reports not yet delivered (the one being delivered included). */
  get backlog(): number {
    return this.pending.length + (this.inFlight ? 1 : 0);
  }

  private enqueue(what: ReportKind, deliver: () => Promise<unknown>): void {
    this.pending.push({ seq: ++this.seq, what, deliver });
    if (this.pending.length > this.limits.maxPending) this.dropOne();
    if (!this.draining) void this.drain();
  }

  /** Delivers in order, one at a time; each report is retried, then given up on. */
  private async drain(): Promise<void> {
    this.draining = true;
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      this.inFlight = next;
      await this.deliver(next);
      this.inFlight = undefined;
      this.wakeFlushers();
    }
    this.draining = false;
  }

  private async deliver(report: PendingReport): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await report.deliver();
        return;
      } catch (error) {
        if (attempt >= SIGNAL_ATTEMPTS) {
          this.log.error(
            { err: error, what: report.what, callSid: this.call.callSid },
            'could not report to the call workflow',
          );
          return;
        }
        await new Promise((r) => setTimeout(r, this.limits.retryDelayMs(attempt)));
      }
    }
  }

  /** The queue is at its cap: the oldest report of the first droppable kind goes, and the log says so. */
  private dropOne(): void {
    for (const kind of DROPPED_AT_CAP) {
      const index = this.pending.findIndex((r) => r.what === kind);
      if (index < 0) continue;
      const [report] = this.pending.splice(index, 1);
      this.dropped++;
      // The first drop, then every 50th: an outage must not flood the log either.
      if (this.dropped === 1 || this.dropped % 50 === 0)
        this.log.warn(
          { callSid: this.call.callSid, what: report!.what, dropped: this.dropped, cap: this.limits.maxPending },
          'call workflow unreachable: report queue at its cap, oldest report dropped',
        );
      this.wakeFlushers();
      return;
    }
  }

  /** Every report up to this sequence number is delivered, given up on or dropped. */
  private settledThrough(): number {
    const oldest = this.inFlight?.seq ?? this.pending[0]?.seq;
    return oldest === undefined ? this.seq : oldest - 1;
  }

  private wakeFlushers(): void {
    const settled = this.settledThrough();
    for (let i = this.flushWaiters.length - 1; i >= 0; i--) {
      const waiter = this.flushWaiters[i]!;
      if (waiter.upTo > settled) continue;
      this.flushWaiters.splice(i, 1);
      waiter.resolve();
    }
  }
}
