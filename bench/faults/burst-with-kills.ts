import type { FaultStack } from '../../test/faults/harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from '../../test/faults/harness/messaging';
import type { TwilioRetryPolicy } from '../../test/faults/harness/twilio-retries';
import { eventually, Gate, settled } from '../../test/faults/harness/wait';

const SEND_PATH = { method: 'POST', path: '/api/2010-04-01/Accounts/*/Messages.json' };

/** A reply send the emulated Twilio has received and not answered yet. */
function sendInFlight(stack: FaultStack): boolean {
  return stack.twilio.requests.some(
    (r) => r.method === 'POST' && r.path.endsWith('/Messages.json') && r.status === undefined && r.fault === undefined,
  );
}

/**
 * (a) `total` messages from `numbers` customers; the gateway is killed -9 a fifth of the way in (Twilio's requests
 * wait at a closed gate while it restarts, as a second gateway would take them), and the orchestrator is killed -9
 * halfway while a reply send is held at Twilio (the send completes there after the kill).
 */
export async function burstWithKills(
  stack: FaultStack,
  options: { total: number; numbers: number; policy: TwilioRetryPolicy },
): Promise<string[]> {
  const plan = burstPlan(options.total, customerNumbers(options.numbers), 'burst');
  const gate = new Gate();
  const events: string[] = [];
  const chaos: Array<Promise<void>> = [];
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const burst = await sendBurst(stack, plan, {
    policy: options.policy,
    gate: gate.wait,
    onProgress: (count) => {
      if (count === Math.floor(options.total / 5))
        chaos.push(
          (async () => {
            gate.close();
            await stack.gateway.kill('SIGKILL');
            events.push(`gateway killed -9 at ${at()}`);
            await stack.gateway.start();
            gate.open();
            events.push(`gateway back at ${at()}`);
          })(),
        );
      if (count === Math.floor(options.total / 2))
        chaos.push(
          (async () => {
            const hold = stack.twilio.faults.latency(4000, SEND_PATH);
            const held = await eventually('a reply send held at Twilio', () => sendInFlight(stack), 30_000).then(
              () => true,
              () => false,
            );
            await stack.orchestrator.kill('SIGKILL');
            hold.remove();
            events.push(
              `orchestrator killed -9 at ${at()} (${held ? 'while a send was held at Twilio' : 'no send was in flight'})`,
            );
            await stack.orchestrator.start();
            events.push(`orchestrator back at ${at()}`);
          })(),
        );
    },
  });
  await Promise.all(chaos);
  await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 240_000).catch(
    () => undefined,
  );
  const tally = await settled(() => tallyReplies(stack.twilio, plan), 5000, 60_000);
  return [
    `(a) burst of ${options.total} SMS from ${options.numbers} numbers, gateway and orchestrator each killed -9 once`,
    ...events.map((e) => `    ${e}`),
    `    webhooks accepted ${burst.accepted}/${options.total}, re-sent by Twilio ${burst.resent}, given up by Twilio ${burst.refused.length}`,
    `    lost: ${tally.lost.length}   duplicated: ${tally.duplicated.length}   out of order: ${tally.outOfOrder.length} numbers`,
    ...tally.outOfOrder
      .slice(0, 3)
      .map((o) => `    out of order: ${o.number} sent ${o.sent.join(' ')}; replied ${o.replied.join(' ')}`),
    ...(tally.duplicated.length
      ? [`    duplicated: ${tally.duplicated.map((d) => `${d.tag} x${d.replies}`).join(', ')}`]
      : []),
  ];
}
