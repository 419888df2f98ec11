import { startFaultStack, type FaultStack } from './harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from './harness/messaging';
import { eventually, settled } from './harness/wait';

// A burst of signed SMS while the orchestrator dies (kill -9) and comes back: Temporal holds every accepted
// message, so each is answered, in order per customer, once the orchestrator polls again.
describe('SMS burst across an orchestrator crash', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ realtimeWorkers: 0 });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers every message after a kill -9 and restart of the orchestrator', async () => {
    const plan = burstPlan(50, customerNumbers(5));
    let killed: Promise<unknown> | undefined;
    const burst = await sendBurst(stack, plan, {
      onProgress: (settledCount) => {
        // Mid-burst, while replies are being generated and sent.
        if (settledCount === 20) killed = stack.orchestrator.kill('SIGKILL');
      },
    });
    await killed;
    expect(stack.orchestrator.running).toBe(false);
    // The gateway needs only Temporal: every webhook is accepted while the orchestrator is down.
    expect(burst.refused).toEqual([]);
    expect(burst.accepted).toBe(plan.length);

    await stack.orchestrator.start();
    // Activities in flight at the kill are retried once their start-to-close timeout passes.
    await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 150_000);
    const tally = await settled(() => tallyReplies(stack.twilio, plan), 3000, 20_000);
    expect(tally.lost).toEqual([]);
    expect(tally.outOfOrder).toEqual([]);
    // TODO(exactly-once): a reply whose send was in flight at the kill can go out twice today (issue 14,
    // "exactly once"); once send idempotency lands, flip this to `expect(tally.duplicated).toEqual([])`.
    if (tally.duplicated.length)
      process.stderr.write(
        `known defect: ${tally.duplicated.length} message(s) answered twice: ${JSON.stringify(tally.duplicated)}\n`,
      );
    expect(tally.answeredOnce + tally.duplicated.length).toBe(plan.length);
  });
});
