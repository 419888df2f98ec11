import { startFaultStack, type FaultStack } from './harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from './harness/messaging';
import { eventually, settled } from './harness/wait';

const OUTAGE_MS = 30_000;

// Temporal stopped for 30 s while customers text: the gateway acknowledges every webhook from its
// MongoDB inbox (fast, so Twilio never times out and never needs to resend), and its relay hands
// them to Temporal when it is back: each answered once, in order per customer.
describe('SMS across a 30 s Temporal outage', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ realtimeWorkers: 0 });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('acknowledges every message during the outage and answers each once, in order, after it', async () => {
    const plan = burstPlan(20, customerNumbers(4), 'outage');
    await stack.temporal.stop();
    const down = Date.now();
    const slowest: number[] = [];
    const burst = await sendBurst(
      {
        webhook: async (path, params) => {
          const started = Date.now();
          // No retry here: what Twilio's first attempt sees is what counts.
          const response = await stack.webhook(path, params);
          slowest.push(Date.now() - started);
          return response;
        },
      },
      plan,
    );
    expect(burst.refused).toEqual([]);
    expect(burst.accepted).toBe(plan.length);
    // Far below Twilio's 15 s timeout: each answer comes within the handover deadline and an inbox insert.
    expect(Math.max(...slowest)).toBeLessThan(6000);
    expect(tallyReplies(stack.twilio, plan).answeredOnce).toBe(0);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
    await stack.temporal.start();
    await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 150_000);
    const tally = await settled(() => tallyReplies(stack.twilio, plan), 3000, 20_000);
    expect(tally.lost).toEqual([]);
    expect(tally.duplicated).toEqual([]);
    expect(tally.outOfOrder).toEqual([]);
    expect(tally.answeredOnce).toBe(plan.length);
    process.stdout.write(
      `temporal outage ${OUTAGE_MS / 1000} s: ${tally.answeredOnce}/${plan.length} answered once, 0 resent; slowest ack ${Math.max(...slowest)} ms\n`,
    );
  }, 400_000);
});
