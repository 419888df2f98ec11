import { startFaultStack, FAULT_AGENT_NUMBER, type FaultStack } from './harness/fault-stack';
import { burstPlan, customerNumbers, sendBurst, tallyReplies } from './harness/messaging';
import { eventually, settled } from './harness/wait';

const SMS_SENDS = { method: 'POST', path: /\/Messages\.json$/ };

// The orchestrator killed -9 while a reply's send is at Twilio: Twilio creates the message, nobody records its sid.
// The retried activity finds it (its intent is recorded, so it asks Twilio before sending): 0 lost, 0 twice.
describe('SMS burst with the orchestrator killed while a send is at Twilio', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ realtimeWorkers: 0, env: { TWILIO_SEND_RATE_PER_SECOND: '100' } });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('300 messages from 30 numbers: every one answered once, in order', async () => {
    const plan = burstPlan(300, customerNumbers(30));
    // Each send stays at Twilio for a while, so the kill lands on sends in flight.
    stack.twilio.faults.latency(1500, SMS_SENDS);
    const inFlight = () =>
      stack.twilio.requestsMatching(SMS_SENDS).length - stack.twilio.sentMessages({ from: FAULT_AGENT_NUMBER }).length;
    let killed: Promise<unknown> | undefined;
    let inFlightAtKill = 0;
    const burst = await sendBurst(stack, plan, {
      onProgress: async (settledCount) => {
        if (settledCount < 90 || killed) return;
        killed = Promise.resolve(); // this lane waits for a send in flight; the others go on
        await eventually('a send at Twilio', () => inFlight() > 0, 60_000);
        inFlightAtKill = inFlight();
        killed = stack.orchestrator.kill('SIGKILL');
      },
    });
    await killed;
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(burst.refused).toEqual([]);
    expect(burst.accepted).toBe(plan.length);

    await stack.orchestrator.start();
    // Activities in flight at the kill are retried once their start-to-close timeout passes.
    await eventually('a reply to every message', () => tallyReplies(stack.twilio, plan).lost.length === 0, 200_000);
    const tally = await settled(() => tallyReplies(stack.twilio, plan), 5000, 40_000);
    process.stderr.write(
      `send-in-flight kill: ${inFlightAtKill} send(s) at Twilio at the kill; lost ${tally.lost.length}, duplicated ${tally.duplicated.length}, out of order ${tally.outOfOrder.length}\n`,
    );
    expect(tally.lost).toEqual([]);
    expect(tally.duplicated).toEqual([]);
    expect(tally.outOfOrder).toEqual([]);
    expect(tally.answeredOnce).toBe(plan.length);
  });
});
