// `npx tsx bench/event-routing.ts [--rates 20,50,100] [--seconds 10]`
// Signed webhook received -> bound user workflow started, on the real stack (Temporal dev server +
// FerretDB): call status callbacks bound to `logEventWorkflow`. For each offered rate it prints
// p50/p95/p99 of (workflow start time - webhook sent) and the rate the system sustained.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { AGENT_NUMBER, TEST_ACCOUNT_SID, startTestSystem, type TestSystem } from '../test/harness/system';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

let callCounter = 0;
function callSid(): string {
  callCounter++;
  return 'CA' + `${Date.now().toString(16)}${callCounter.toString(16).padStart(8, '0')}`.padEnd(32, '0');
}

async function level(system: TestSystem, rate: number, seconds: number): Promise<string> {
  const total = rate * seconds;
  const sentAt = new Map<string, number>();
  const failures: string[] = [];
  const posts: Array<Promise<unknown>> = [];
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sid = callSid();
    sentAt.set(sid, Date.now());
    posts.push(
      system
        .webhook('/twilio/voice/status', {
          CallSid: sid,
          AccountSid: TEST_ACCOUNT_SID,
          CallStatus: 'ringing',
          From: '+14155550100',
          To: AGENT_NUMBER,
          Direction: 'inbound',
        })
        .then(
          (r) => r.status !== 204 && failures.push(`HTTP ${r.status}`),
          (e: unknown) => failures.push((e as Error).message),
        ),
    );
  }
  await Promise.all(posts);
  const acknowledgedIn = (Date.now() - started) / 1000;
  const latencies: number[] = [];
  let lastStart = 0;
  const deadline = Date.now() + 60_000;
  for (const [sid, sent] of sentAt) {
    const handle = system.temporal.workflow.getHandle(`log-call.ringing:${sid}`);
    for (;;) {
      const info = await handle.describe().catch(() => undefined);
      if (info) {
        latencies.push(info.startTime.getTime() - sent);
        lastStart = Math.max(lastStart, info.startTime.getTime());
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  latencies.sort((a, b) => a - b);
  const within1s = latencies.filter((l) => l <= 1000).length / total;
  return [
    `offered ${rate} events/s for ${seconds} s (${total} events): started ${latencies.length}/${total}, webhook errors ${failures.length}`,
    `  webhook -> workflow started: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms; within 1 s: ${(within1s * 100).toFixed(1)}%`,
    `  sustained: ${(latencies.length / ((lastStart - started) / 1000)).toFixed(1)} workflows started/s (webhooks acknowledged in ${acknowledgedIn.toFixed(1)} s)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rates: { type: 'string', default: '20,50,100' }, seconds: { type: 'string', default: '10' } },
  });
  await globalSetup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-bench-'));
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({ events: { bindings: [{ name: 'log', events: ['call.ringing'], workflow: 'logEventWorkflow' }] } }),
  );
  const system = await startTestSystem({ LOG_LEVEL: 'silent', BELUGA_CONFIG_FILE: configFile });
  try {
    // Warm-up: the first workflow tasks pay for worker and connection start.
    await level(system, 5, 2);
    for (const rate of values.rates.split(',').map(Number))
      process.stdout.write(`${await level(system, rate, Number(values.seconds))}\n`);
  } finally {
    await system.stop();
    await globalTeardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
