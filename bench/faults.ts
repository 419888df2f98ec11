// `npm run bench:faults [-- --only a,b,c,d,e] [--burst 300] [--numbers 30] [--overrides "rc=3&rp=ct,5xx"]`
// The issue-14 fault figures, on the process-level fault stack (test/faults/harness): messages lost and
// duplicated across kill -9s, replies under a flaky Twilio, messages answered after a Temporal outage,
// calls surviving a realtime-worker kill, credentials sent to a non-Twilio media host. It prints; it asserts nothing.
// --overrides: the connection overrides Twilio is given with the inbound URL (how it retries a webhook).
import { parseArgs } from 'node:util';
import { startFaultStack, type FaultStack } from '../test/faults/harness/fault-stack';
import { twilioRetryPolicy } from '../test/faults/harness/twilio-retries';
import { burstWithKills } from './faults/burst-with-kills';
import { flakyTwilio } from './faults/flaky-twilio';
import { foreignMediaHost } from './faults/foreign-media-host';
import { temporalOutage } from './faults/temporal-outage';
import { workerKillCalls } from './faults/worker-kill-calls';

const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'a,b,c,d,e' },
      burst: { type: 'string', default: '300' },
      numbers: { type: 'string', default: '30' },
      overrides: { type: 'string', default: '' },
    },
  });
  const only = new Set(values.only.split(',').map((s) => s.trim()));
  const total = Number(values.burst);
  const numbers = Number(values.numbers);
  if (!(total > 0) || !(numbers > 0) || numbers > total) throw new Error('--burst and --numbers: 0 < numbers <= burst');
  const policy = twilioRetryPolicy(values.overrides);
  const started = Date.now();
  const stack: FaultStack = await startFaultStack({ realtimeWorkers: 2 });
  print([
    `fault stack up in ${((Date.now() - started) / 1000).toFixed(0)} s (Twilio webhook overrides: "${values.overrides}")`,
  ]);
  const scenarios: Array<[string, () => Promise<string[]>]> = [
    ['e', () => foreignMediaHost(stack)],
    ['b', () => flakyTwilio(stack, { total: 100, numbers: 20 })],
    ['a', () => burstWithKills(stack, { total, numbers, policy })],
    ['c', () => temporalOutage(stack, { total: 20, numbers: 20, outageMs: 30_000 })],
    ['d', () => workerKillCalls(stack, { calls: 4 })],
  ];
  try {
    for (const [key, run] of scenarios) {
      if (!only.has(key)) continue;
      const t = Date.now();
      try {
        print([...(await run()), `    (${((Date.now() - t) / 1000).toFixed(0)} s)`]);
      } catch (error) {
        print([`(${key}) failed to run: ${error instanceof Error ? error.message : String(error)}`]);
      }
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
