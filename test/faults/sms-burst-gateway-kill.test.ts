import { startFaultStack, type FaultStack } from './harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from './harness/messaging';
import { twilioRetryPolicy } from './harness/twilio-retries';
import { eventually, Gate, settled } from './harness/wait';

/** The connection overrides the README tells you to give Twilio: retry failed connects, timeouts and 5xx. */
const RECOMMENDED = twilioRetryPolicy('ct=3000&rt=8000&tt=15000&rc=3&rp=ct,rt,5xx');

// A burst of signed SMS while the gateway dies (kill -9) and restarts: every message Twilio delivered is
// answered exactly once.
describe('SMS burst across a gateway crash', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ realtimeWorkers: 0 });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('gateway killed -9 mid-burst and restarted: every message answered once', async () => {
    const plan = burstPlan(60, customerNumbers(6), 'gw');
    // Twilio's requests wait while the gateway restarts, as a second gateway behind the balancer would take them.
    const gate = new Gate();
    let chaos: Promise<void> | undefined;
    const burst = await sendBurst(stack, plan, {
      policy: RECOMMENDED,
      gate: gate.wait,
      onProgress: (count) => {
        if (count !== 20) return;
        chaos = (async () => {
          gate.close();
          await stack.gateway.kill('SIGKILL');
          await stack.gateway.start();
          gate.open();
        })();
      },
    });
    await chaos;
    expect(stack.gateway.startCount).toBeGreaterThan(1);
    expect(burst.refused).toEqual([]);
    await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 150_000);
    const tally = await settled(() => tallyReplies(stack.twilio, plan), 3000, 20_000);
    expect(tally.lost).toEqual([]);
    expect(tally.duplicated).toEqual([]);
    expect(tally.answeredOnce).toBe(plan.length);
  });
});
