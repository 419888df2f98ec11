import { randomBytes } from 'node:crypto';
import { conversationText, lastUserText, textReply } from '../../devstack/emulators/anthropic';
import { ConnectedCall } from '../../devstack/emulators/media-streams';
import { CallStore } from '../../src/voice/call-store';
import type { CallTurn } from '../../src/voice/call-types';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { FAULT_ACCOUNT_SID } from './harness/emulators';
import { FAULT_AGENT_NUMBER, startFaultStack, type FaultStack } from './harness/fault-stack';
import { eventually } from './harness/wait';

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const RESUMED = 'Sorry, the line dropped for a second. I am back, please go on.';
const REPLY = 'Thanks, I have your order 4521 here and I can see every detail of it now.';

let phone = 0;
const uniquePhone = () => `+1631555${String(++phone).padStart(4, '0')}`;

/** A call as Twilio places it: the voice webhook, the in-progress callback, then the streams its TwiML asks for. */
async function placeCall(stack: FaultStack): Promise<{ callSid: string; call: ConnectedCall }> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const remote = uniquePhone();
  const form = { CallSid: callSid, AccountSid: FAULT_ACCOUNT_SID, From: remote, To: FAULT_AGENT_NUMBER };
  const answer = await stack.webhook('/twilio/voice/incoming', {
    ...form,
    Direction: 'inbound',
    CallStatus: 'ringing',
    ApiVersion: '2010-04-01',
  });
  if (answer.status !== 200) throw new Error(`voice webhook answered ${answer.status}: ${answer.body}`);
  await stack.webhook('/twilio/voice/status', { ...form, Direction: 'inbound', CallStatus: 'in-progress' });
  const call = await ConnectedCall.start(
    {
      accountSid: FAULT_ACCOUNT_SID,
      callSid,
      from: remote,
      to: FAULT_AGENT_NUMBER,
      direction: 'inbound',
      mediaStreamUrl: stack.mediaStreamUrl,
      webhook: (path, params) => stack.webhook(path, params),
    },
    answer.body,
  );
  return { callSid, call };
}

async function agentSaid(stack: FaultStack, callSid: string, turnId: number): Promise<CallTurn> {
  return eventually(
    `agent turn ${turnId}`,
    async () =>
      (await new CallStore(stack.db()).get(callSid))?.turns.find((t) => t.role === 'agent' && t.turnId === turnId),
    60_000,
  );
}

/** The realtime process holding the (only) live call. */
async function holder(stack: FaultStack): Promise<number> {
  return eventually('the worker holding the call', async () => {
    for (const [i, url] of stack.realtimeUrls.entries()) {
      const ready = await fetch(`${url}/ready`)
        .then((r) => r.json() as Promise<{ activeCalls: number }>)
        .catch(() => undefined);
      if (ready && ready.activeCalls > 0) return i;
    }
    return undefined;
  });
}

async function hangUp(stack: FaultStack, callSid: string, call: ConnectedCall) {
  await call.hangup();
  await stack.webhook('/twilio/voice/status', {
    CallSid: callSid,
    AccountSid: FAULT_ACCOUNT_SID,
    CallStatus: 'completed',
    SequenceNumber: '3',
  });
  await stack.temporalClient().workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
  return (await new CallStore(stack.db()).get(callSid))!;
}

/**
 * Realtime workers as real processes killed under a live call: the call survives a kill -9 (the
 * `<Connect>` action brings it back through the gateway to the other worker) and a SIGTERM drain,
 * and a kill with no worker left ends the call politely, recorded `dropped` (not `completed`).
 */
describe('calls across realtime worker crashes', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({
      realtimeWorkers: 2,
      env: { VOICE_GREETING: GREETING, VOICE_RESUMPTION_LINE: RESUMED },
    });
    stack.anthropic.setResponder((request) => {
      const said = lastUserText(request);
      if (/order number is/i.test(said)) return textReply(REPLY);
      if (/order number again/i.test(said))
        return textReply(conversationText(request).includes('4521') ? 'Your order number is 4521.' : 'I do not know.');
      return textReply('Okay.');
    });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('kill -9 of the worker mid-call: the other worker takes the call over, with what was said', async () => {
    stack.stt.script(['My order number is 4521.', 'What was my order number again?']);
    const { callSid, call } = await placeCall(stack);
    expect((await agentSaid(stack, callSid, 0)).text).toBe(GREETING);
    await call.current.say({ durationMs: 1200, seed: 1 });
    await agentSaid(stack, callSid, 1);
    const index = await holder(stack);
    await stack.realtime[index]!.kill('SIGKILL');
    const second = await call.waitForLeg(2, 30_000);
    expect((await agentSaid(stack, callSid, 2)).text).toBe(RESUMED);
    await second.caller.waitUntil(() => second.caller.media.length > 0, 20_000);
    const silence = second.caller.media[0]!.at - call.legs[0]!.close!.at;
    process.stderr.write(`takeover after kill -9: the caller heard ${Math.round(silence)} ms of silence\n`);
    await second.caller.say({ durationMs: 1300, seed: 2 });
    expect((await agentSaid(stack, callSid, 3)).text).toBe('Your order number is 4521.');
    const record = await hangUp(stack, callSid, call);
    expect(record).toMatchObject({ outcome: 'completed', reconnects: 1 });
    expect(record.turns.filter((t) => t.text === GREETING)).toHaveLength(1);
    await stack.realtime[index]!.start();
  });

  it('SIGTERM drains the worker: the turn in progress finishes, then the call moves to the other worker', async () => {
    stack.stt.script(['My order number is 4521.']);
    const { callSid, call } = await placeCall(stack);
    await agentSaid(stack, callSid, 0);
    const index = await holder(stack);
    const saidAt = await call.current.say({ durationMs: 1200, seed: 3 });
    await call.current.waitUntil(() => call.current.firstAudioAfter(saidAt) !== undefined, 30_000);
    const drained = stack.realtime[index]!.kill('SIGTERM');
    await call.waitForLeg(2, 60_000);
    await drained;
    expect(call.legs[0]!.close).toMatchObject({ code: 1012, by: 'app' });
    const answered = await agentSaid(stack, callSid, 1);
    expect(answered.text).toBe(REPLY);
    expect(answered.interrupted).toBeUndefined();
    expect((await agentSaid(stack, callSid, 2)).text).toBe(RESUMED);
    expect(await hangUp(stack, callSid, call)).toMatchObject({ outcome: 'completed', reconnects: 1 });
    await stack.realtime[index]!.start();
  });

  it('kill -9 with no worker left: a polite line, a hang-up, and the call is recorded dropped', async () => {
    const { callSid, call } = await placeCall(stack);
    await agentSaid(stack, callSid, 0);
    const index = await holder(stack);
    await stack.realtime[1 - index]!.kill('SIGKILL');
    await stack.realtime[index]!.kill('SIGKILL');
    const end = await call.ended;
    expect(end.how).toBe('twiml');
    expect(end.said.join(' ')).toMatch(/lost the connection/);
    expect((await hangUp(stack, callSid, call)).outcome).toBe('dropped');
  });
});
