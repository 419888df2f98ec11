import { CallStore } from '../../src/voice/call-store';
import { SimulatedCall, workerServing } from '../../test/faults/harness/calls';
import type { FaultStack } from '../../test/faults/harness/fault-stack';
import { customerNumbers } from '../../test/faults/harness/messaging';
import { eventually } from '../../test/faults/harness/wait';

function percentile(sorted: number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);

/**
 * (d) `calls` live calls; the realtime worker serving most of them is killed -9 once every caller has heard the
 * greeting begin. A call survives when a new stream (Twilio following the `<Connect action>`) brings agent audio
 * within 15 s; the silence is from the lost stream to the first audio of the new one.
 */
export async function workerKillCalls(stack: FaultStack, options: { calls: number }): Promise<string[]> {
  const calls: SimulatedCall[] = [];
  for (const remote of customerNumbers(options.calls)) calls.push(await SimulatedCall.place(stack, remote));
  await eventually('every caller hearing the greeting', () => calls.every((c) => c.caller.media.length > 0), 60_000);
  const byWorker = new Map<string, SimulatedCall[]>();
  for (const call of calls) {
    const worker = workerServing(stack, call.callSid)?.name ?? 'unknown';
    byWorker.set(worker, [...(byWorker.get(worker) ?? []), call]);
  }
  const [victimName, affected] = [...byWorker].sort((a, b) => b[1].length - a[1].length)[0]!;
  const victim = stack.realtime.find((w) => w.name === victimName) ?? stack.realtime[0]!;
  const killedAt = performance.now();
  await victim.kill('SIGKILL');
  const restarted = victim.start();

  const silences: number[] = [];
  let survived = 0;
  await Promise.all(
    affected.map(async (call) => {
      const resumed = await eventually(
        'a new stream with agent audio',
        () => {
          const leg = call.legs.at(-1)!;
          return call.legs.length > 1 && leg.caller.media.length > 0 && leg;
        },
        15_000,
      ).catch(() => undefined);
      if (!resumed) return;
      survived += 1;
      const lostAt = call.legs[call.legs.length - 2]?.closed?.at ?? killedAt;
      silences.push(resumed.caller.media[0]!.at - lostAt);
    }),
  );
  await restarted;
  for (const call of calls) if (!call.legs.at(-1)!.closed) await call.hangup().catch(() => undefined);
  await Promise.all(calls.map((c) => Promise.race([c.ended, new Promise((r) => setTimeout(r, 10_000))])));
  const store = new CallStore(stack.db());
  const outcomes = new Map<string, number>();
  for (const call of affected) {
    const record = await eventually('the call record', async () => (await store.get(call.callSid))?.outcome, 30_000)
      .then(String)
      .catch(() => 'no outcome recorded');
    outcomes.set(record, (outcomes.get(record) ?? 0) + 1);
  }
  silences.sort((a, b) => a - b);
  return [
    `(d) ${options.calls} live calls over ${stack.realtime.length} realtime workers; ${victim.name} (serving ${affected.length}) killed -9`,
    `    calls that survived: ${survived}/${affected.length}   caller-heard silence p50 ${ms(percentile(silences, 50))}, p95 ${ms(percentile(silences, 95))}`,
    `    how the affected calls ended: ${[...affected].map((c) => c.legs.at(-1)!.closed?.by ?? 'open').join(', ')} (first stream close codes: ${affected.map((c) => c.legs[0]!.closed?.code ?? '-').join(', ')})`,
    `    call records: ${[...outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}`,
  ];
}
