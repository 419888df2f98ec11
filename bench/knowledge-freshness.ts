// `npm run bench:knowledge-freshness -- [--calls 20] [--status-delay-ms 0] [--embeddings voyage|none]`
//
// How soon a call's transcript is searchable after the call ends. Simulated calls on the real stack
// (Temporal dev server + FerretDB, gateway, realtime worker, orchestrator worker; STT/LLM/TTS/Twilio
// emulators and the Voyage emulator for embeddings), one after another, as test/e2e/voice-call.test.ts
// holds them: the greeting, one caller turn naming an order number of its own, the agent's answer, then
// the caller hangs up and Twilio's `completed` status callback follows (after --status-delay-ms). From
// the hang-up, knowledge search (hybrid, the account's conversations) is polled every 10 ms until the
// call's turn is a hit. Prints p50/p95/max of hang-up → searchable, and where the time goes, from the
// call workflow's history: hang-up → call finalized (the end path: stream end, final status, turns
// drained), the finalize step, the index step (read the turns, embed, write), and index → found.
import { parseArgs } from 'node:util';
import type { temporal } from '@temporalio/proto';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { TEST_ACCOUNT_SID, startTestSystem, type TestSystem } from '../test/harness/system';
import { agentTurn, callStatus, connectCall, scriptModel } from '../test/harness/voice';
import { callWorkflowId } from '../workflows/call/contract';

interface Sample {
  /** Hang-up → the transcript is a search hit. */
  searchableMs: number;
  /** Hang-up → finalizeCall scheduled (the call workflow's end path). */
  endPathMs: number;
  finalizeMs: number;
  /** indexCallTranscript scheduled → completed. */
  indexMs: number;
  /** Index completed → the poll found it (visibility to readers, plus the poll interval). */
  visibleMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (n: number) => `${Math.round(n)}`.padStart(6);
  return `p50 ${f(percentile(sorted, 50))} ms   p95 ${f(percentile(sorted, 95))} ms   max ${f(sorted.at(-1) ?? NaN)} ms`;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function eventMs(event: HistoryEvent | undefined): number {
  const time = event?.eventTime;
  if (!time) return NaN;
  return Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/** When the activity `name` was scheduled and when it completed, from the workflow's history. */
function activitySpan(events: HistoryEvent[], name: string): { scheduled: number; completed: number } {
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
  const id = scheduled?.eventId;
  const completed = events.find(
    (e) => id != null && String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(id),
  );
  return { scheduled: eventMs(scheduled), completed: eventMs(completed) };
}

async function oneCall(system: TestSystem, index: number, statusDelayMs: number, prefix: string): Promise<Sample> {
  const order = String(710_000 + index);
  const remote = `${prefix}${String(index).padStart(4, '0')}`;
  system.stt.script([`Hi, I am calling about order ${order}, it has not arrived.`]);
  const { caller, callSid } = await connectCall(system, { remote });
  await agentTurn(system, callSid, 0, 60_000);
  await caller.say({ durationMs: 1000, seed: index });
  await agentTurn(system, callSid, 1, 60_000);

  const hungUpAt = Date.now();
  await caller.hangup();
  const status = (async () => {
    if (statusDelayMs > 0) await new Promise((r) => setTimeout(r, statusDelayMs));
    await callStatus(system, callSid, 'completed', { CallDuration: '8', SequenceNumber: '3' });
  })();
  let foundAt = 0;
  for (;;) {
    const result = await system.knowledge.search({
      text: `order ${order}`,
      scope: { accountSid: TEST_ACCOUNT_SID, allCustomers: true },
      filters: { kinds: ['call'] },
      limit: 5,
    });
    if (result.hits.some((h) => h.chunk.source.kind === 'call' && h.chunk.source.callSid === callSid)) {
      foundAt = Date.now();
      break;
    }
    if (Date.now() - hungUpAt > 120_000) throw new Error(`call ${callSid} not searchable after 2 minutes`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await status;
  const handle = system.temporal.workflow.getHandle(callWorkflowId(callSid));
  await handle.result();
  const events = (await handle.fetchHistory()).events ?? [];
  const finalize = activitySpan(events, 'finalizeCall');
  const index_ = activitySpan(events, 'indexCallTranscript');
  return {
    searchableMs: foundAt - hungUpAt,
    endPathMs: finalize.scheduled - hungUpAt,
    finalizeMs: finalize.completed - finalize.scheduled,
    indexMs: index_.completed - index_.scheduled,
    visibleMs: foundAt - index_.completed,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '20' },
      'status-delay-ms': { type: 'string', default: '0' },
      embeddings: { type: 'string', default: 'voyage' },
    },
  });
  const calls = Number(values.calls);
  const statusDelayMs = Number(values['status-delay-ms']);
  if (!Number.isInteger(calls) || calls < 1) throw new Error('--calls must be a whole number ≥ 1');
  if (!Number.isFinite(statusDelayMs) || statusDelayMs < 0) throw new Error('--status-delay-ms must be ≥ 0');
  if (values.embeddings !== 'voyage' && values.embeddings !== 'none')
    throw new Error('--embeddings must be voyage or none');
  await globalSetup();
  const system = await startTestSystem(
    { LOG_LEVEL: 'silent', VOICE_GREETING: 'Hello, Beluga support.' },
    { voice: true, embeddings: values.embeddings === 'voyage' },
  );
  const prefix = `+1631${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
  try {
    system.tts.setTiming({ msPerChar: 10 });
    scriptModel(system, [[/order/i, () => 'Let me check that order for you.']]);
    // Warm-up: the first call pays for connections, the index's creation and the workflow bundle's caches.
    await oneCall(system, 9_999, statusDelayMs, prefix);
    const samples: Sample[] = [];
    for (let i = 0; i < calls; i++) samples.push(await oneCall(system, i, statusDelayMs, prefix));
    const column = (key: keyof Sample) => samples.map((s) => s[key]);
    process.stdout.write(
      [
        `knowledge freshness: ${calls} calls, embeddings ${values.embeddings}, final status ${statusDelayMs} ms after the hang-up`,
        `  hang-up → searchable      ${summary(column('searchableMs'))}`,
        `  where the time goes:`,
        `    hang-up → finalize      ${summary(column('endPathMs'))}   (stream end, final status, turns drained)`,
        `    finalizeCall            ${summary(column('finalizeMs'))}`,
        `    indexCallTranscript     ${summary(column('indexMs'))}   (read turns, embed, write)`,
        `    indexed → found         ${summary(column('visibleMs'))}   (reader sees the write, 10 ms polls)`,
        '',
      ].join('\n'),
    );
  } finally {
    await system.stop();
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
