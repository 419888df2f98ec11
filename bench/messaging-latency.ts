// `npx tsx bench/messaging-latency.ts [--rate 20] [--seconds 30] [--customers 200]`
// Inbound webhook -> reply sent (Twilio emulator received the send), on the real stack (Temporal
// dev server + FerretDB) with a zero-latency LLM emulator. Prints p50/p95/p99 and throughput.
import { parseArgs } from 'node:util';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { inboundSms, startTestSystem } from '../test/harness/system';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(rate: number, seconds: number, customers: number): Promise<void> {
  const system = await startTestSystem({ LOG_LEVEL: 'silent', TWILIO_SEND_RATE_PER_SECOND: '1000' });
  const sentAt = new Map<string, number>();
  const repliedAt = new Map<string, number>();
  system.twilio.hooks.onMessageCreated = (message) => {
    const id = /msg-\d+/.exec(message.body)?.[0];
    if (id) repliedAt.set(id, Date.now());
  };
  const total = rate * seconds;
  const started = Date.now();
  const posts: Array<Promise<unknown>> = [];
  const failedPosts: string[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = `msg-${i}`;
    const from = `+1415${String(5_000_000 + (i % customers)).padStart(7, '0')}`;
    sentAt.set(id, Date.now());
    // A webhook that times out (Twilio waits 15 s) counts as a failure; Twilio would retry it.
    posts.push(
      system.webhook('/twilio/messaging/inbound', inboundSms(from, id)).then(
        (r) => r.status !== 200 && failedPosts.push(`${id}: HTTP ${r.status}`),
        (error: unknown) => failedPosts.push(`${id}: ${(error as Error).message}`),
      ),
    );
  }
  await Promise.all(posts);
  const deadline = Date.now() + 120_000;
  while (repliedAt.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const finished = Math.max(...repliedAt.values());
  const latencies = [...repliedAt].map(([id, at]) => at - sentAt.get(id)!).sort((a, b) => a - b);
  const within5s = latencies.filter((l) => l <= 5000).length / total;
  process.stdout.write(
    [
      `offered: ${rate} msg/s for ${seconds} s (${total} messages, ${customers} customers)`,
      `replied: ${repliedAt.size}/${total} (webhooks not acknowledged within 15 s: ${failedPosts.length})`,
      `webhook -> reply sent: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms`,
      `within 5 s: ${(within5s * 100).toFixed(1)}%`,
      `sustained: ${(repliedAt.size / ((finished - started) / 1000)).toFixed(1)} replies/s`,
      '',
    ].join('\n'),
  );
  await system.stop();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '30' },
      customers: { type: 'string', default: '200' },
    },
  });
  await globalSetup();
  try {
    await run(Number(values.rate), Number(values.seconds), Number(values.customers));
  } finally {
    await globalTeardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
