import type { FaultStack } from '../../test/faults/harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from '../../test/faults/harness/messaging';
import { twilioRetryPolicy } from '../../test/faults/harness/twilio-retries';
import { eventually, settled } from '../../test/faults/harness/wait';

/**
 * (c) Temporal stopped for `outageMs`; `total` messages arrive during the outage, each posted once (no webhook is
 * re-sent: `rc=0`); then Temporal comes back on the same port and data. How many get answered?
 */
export async function temporalOutage(
  stack: FaultStack,
  options: { total: number; numbers: number; outageMs: number },
): Promise<string[]> {
  const plan = burstPlan(options.total, customerNumbers(options.numbers), 'outage');
  const stoppedAt = Date.now();
  await stack.temporal.stop();
  const webhookMs: number[] = [];
  const burst = await sendBurst(stack, plan, {
    policy: twilioRetryPolicy('rc=0'),
    onProgress: () => void webhookMs.push(Date.now() - stoppedAt),
  });
  const statuses = new Map<string, number>();
  for (const refusal of burst.refused) {
    const why = refusal.slice(refusal.indexOf(': ') + 2);
    statuses.set(why, (statuses.get(why) ?? 0) + 1);
  }
  const remaining = options.outageMs - (Date.now() - stoppedAt);
  if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
  await stack.temporal.start();
  const outage = Date.now() - stoppedAt;
  await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 120_000).catch(
    () => undefined,
  );
  const tally = await settled(() => tallyReplies(stack.twilio, plan), 5000, 30_000);
  const answered = plan.length - tally.lost.length;
  return [
    `(c) ${options.total} SMS during a ${(outage / 1000).toFixed(0)} s Temporal outage, no webhook re-sent`,
    `    gateway answers: ${burst.accepted} accepted, ${[...statuses].map(([why, n]) => `${n} ${why}`).join(', ') || 'none refused'}`,
    `    answered after Temporal returned: ${answered}/${options.total}   duplicated: ${tally.duplicated.length}`,
  ];
}
