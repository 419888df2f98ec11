// `npx tsx bench/takeover-silence.ts [--takeovers 8] [--mode cut|drain]`
// The silence a caller hears while another realtime worker takes their call over: from the moment
// the stream ends at "Twilio" (the caller's side of the media stream) to the first audio of the
// resumption line on the new stream. Two realtime workers on the real stack (Temporal dev server +
// FerretDB), emulated STT/LLM/TTS; each call's worker is lost (`cut`: its connections die, as in
// a crash) or drained (`drain`: SIGTERM) mid-call, after the greeting. The action-URL round trip
// is made as Twilio makes it (test harness `ConnectedCall`), but without Twilio's own network
// latency, which adds to these figures in production. Prints p50/p95/max.
import { parseArgs } from 'node:util';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { eventually, startTestSystem, type TestSystem } from '../test/harness/system';
import { agentTurn, connectCall } from '../test/harness/voice';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** One takeover: the silence the caller heard, in ms. */
async function takeover(system: TestSystem, mode: 'cut' | 'drain', index: number): Promise<number> {
  const remote = `+1630555${String(index).padStart(4, '0')}`;
  const live = await connectCall(system, { remote, followActions: true });
  const call = live.call!;
  await agentTurn(system, live.callSid, 0);
  const worker = await eventually('the worker holding the call', () => {
    const found = system.realtimes.findIndex((r) => r.activeCalls() > 0);
    return found >= 0 ? found : undefined;
  });
  if (mode === 'cut') system.cutRealtime(worker);
  else void system.realtimes[worker]!.drain();
  const second = await call.waitForLeg(2);
  const endedAt = (await live.caller.closed).at;
  await second.caller.waitUntil(() => second.caller.media.length > 0, 20_000);
  const silence = second.caller.media[0]!.at - endedAt;
  await call.hangup();
  return silence;
}

async function run(takeovers: number, mode: 'cut' | 'drain'): Promise<void> {
  const silences: number[] = [];
  // Each takeover loses a worker: a fresh pair of workers (and system) per takeover keeps them independent.
  for (let i = 0; i < takeovers; i++) {
    const system = await startTestSystem({ LOG_LEVEL: 'silent' }, { voice: true, realtimeWorkers: 2 });
    try {
      silences.push(await takeover(system, mode, i));
    } finally {
      await system.stop();
    }
  }
  const sorted = [...silences].sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  process.stdout.write(
    [
      `takeovers: ${takeovers} (${mode === 'cut' ? 'worker connections cut, as in a crash' : 'worker drained (SIGTERM)'})`,
      `caller-heard silence (stream end -> first audio on the new worker): p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}, max ${ms(sorted.at(-1)!)}`,
      `each: ${sorted.map(ms).join(', ')}`,
    ].join('\n') + '\n',
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { takeovers: { type: 'string', default: '8' }, mode: { type: 'string', default: 'cut' } },
  });
  const mode = values.mode === 'drain' ? 'drain' : 'cut';
  await globalSetup();
  try {
    await run(Number(values.takeovers), mode);
  } finally {
    await globalTeardown();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
