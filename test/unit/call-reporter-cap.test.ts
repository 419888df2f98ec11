import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Logger } from '../../src/observability/logger';
import { CallReporter, MAX_PENDING_REPORTS } from '../../src/realtime/call-reporter';

/** A Temporal client whose signalWithStart fails while `down`, and records what got through. */
function fakeTemporal() {
  const state = { down: true, delivered: [] as Array<{ signal: string; arg: unknown }> };
  const client = {
    workflow: {
      signalWithStart: async (_type: string, options: { signal: SignalDefinition; signalArgs: unknown[] }) => {
        if (state.down) throw new Error('Temporal unavailable');
        state.delivered.push({ signal: options.signal.name, arg: options.signalArgs[0] });
        return {};
      },
    },
  };
  return { client: client as unknown as Client, state };
}

function recordingLog() {
  const warnings: Array<Record<string, unknown>> = [];
  const log = { warn: (fields: Record<string, unknown>) => warnings.push(fields), error: () => undefined };
  return { log: log as unknown as Logger, warnings };
}

const call = { callSid: 'CA-reporter-cap', accountSid: 'AC-test' };
const turn = (turnId: number) => ({
  turnId,
  role: 'caller' as const,
  text: `turn ${turnId}`,
  at: '',
  source: 'speech' as const,
});
const until = async (probe: () => boolean) => {
  for (let i = 0; i < 2000 && !probe(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(probe()).toBe(true);
};

describe('the call reporter during a Temporal outage', () => {
  it('holds at most 500 reports by default', () => {
    expect(MAX_PENDING_REPORTS).toBe(500);
  });

  it('at the cap drops keypad reports first, then the oldest turns, never the stream start or end; says so', async () => {
    const { client, state } = fakeTemporal();
    const { log, warnings } = recordingLog();
    // Retries every 5 ms, so the head report is still being retried when the outage ends.
    const reporter = new CallReporter(client, 'q', call, log, { maxPending: 4, retryDelayMs: () => 5 });
    reporter.streamStarted({ streamSid: 'MZ1' } as never);
    reporter.turn(turn(1));
    reporter.dtmf('12');
    reporter.turn(turn(2));
    reporter.turn(turn(3));
    reporter.turn(turn(4)); // at the cap: the keypad report goes
    reporter.turn(turn(5)); // then the oldest turn behind the one in flight
    reporter.ended({ reason: 'hangup' } as never);
    expect(reporter.backlog).toBe(5);
    expect(warnings).toEqual([expect.objectContaining({ what: 'dtmf', dropped: 1, cap: 4 })]);

    state.down = false;
    await reporter.flush();
    expect(state.delivered.map((d) => d.signal)).toEqual(['streamStarted', 'turn', 'turn', 'turn', 'streamEnded']);
    const turns = state.delivered.filter((d) => d.signal === 'turn').map((d) => (d.arg as { turnId: number }).turnId);
    expect(turns).toEqual([3, 4, 5]);
    expect(reporter.backlog).toBe(0);
  });

  it('keeps order and loses nothing below the cap', async () => {
    const { client, state } = fakeTemporal();
    const { log, warnings } = recordingLog();
    const reporter = new CallReporter(client, 'q', call, log, { maxPending: 50, retryDelayMs: () => 5 });
    for (let i = 1; i <= 20; i++) reporter.turn(turn(i));
    await new Promise((r) => setTimeout(r, 20));
    state.down = false;
    await reporter.flush();
    expect(state.delivered.map((d) => (d.arg as { turnId: number }).turnId)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(warnings).toEqual([]);
  });

  it('flush waits only for what was reported before it', async () => {
    const { client, state } = fakeTemporal();
    const { log } = recordingLog();
    const reporter = new CallReporter(client, 'q', call, log, { maxPending: 50, retryDelayMs: () => 5 });
    reporter.turn(turn(1));
    let flushed = false;
    const flushing = reporter.flush().then(() => (flushed = true));
    state.down = false;
    await until(() => flushed);
    await flushing;
    expect(state.delivered).toHaveLength(1);
  });
});
