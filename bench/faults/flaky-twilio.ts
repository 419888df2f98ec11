import type { FaultStack } from '../../test/faults/harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from '../../test/faults/harness/messaging';
import { eventually, settled } from '../../test/faults/harness/wait';

const SEND_PATH = { method: 'POST', path: '/api/2010-04-01/Accounts/*/Messages.json' };

/**
 * (b) `total` messages while Twilio answers 30% of sends with 429 or 503 and accepts 5% then drops the connection
 * before answering (`lose-response`: sent, but the client sees a network error).
 */
export async function flakyTwilio(stack: FaultStack, options: { total: number; numbers: number }): Promise<string[]> {
  const plan = burstPlan(options.total, customerNumbers(options.numbers), 'flaky');
  // Rules fire in order; each probability is of what the earlier rules left, so the overall rates are 5/15/15%.
  const faults = stack.twilio.faults;
  faults.reseed(14);
  const rules = [
    faults.failWithProbability(0.05, 'lose-response', SEND_PATH),
    faults.failWithProbability(0.15 / 0.95, 'rate-limit', SEND_PATH),
    faults.failWithProbability(0.15 / 0.8, 'service-unavailable', SEND_PATH),
  ];
  try {
    const burst = await sendBurst(stack, plan);
    await eventually(
      'a reply to every message',
      () => tallyReplies(stack.twilio, plan).lost.length === 0,
      180_000,
    ).catch(() => undefined);
    const tally = await settled(() => tallyReplies(stack.twilio, plan), 5000, 60_000);
    const delivered = plan.length - tally.lost.length;
    return [
      `(b) ${options.total} SMS with Twilio failing 30% of sends (429/503) and dropping 5% after accepting`,
      `    send faults injected: ${rules[0]!.fired} lose-response, ${rules[1]!.fired} rate-limit, ${rules[2]!.fired} service-unavailable (of ${stack.twilio.requestsMatching({ method: 'POST', path: /\/Messages\.json$/ }).length} send requests in all)`,
      `    webhooks accepted ${burst.accepted}/${options.total}`,
      `    replies delivered: ${delivered}/${options.total} (${((100 * delivered) / options.total).toFixed(0)}%)   duplicated: ${tally.duplicated.length}`,
    ];
  } finally {
    rules.forEach((rule) => rule.remove());
  }
}
