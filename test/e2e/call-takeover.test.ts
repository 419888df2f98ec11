import { CallStore } from '../../src/voice/call-store';
import { EventLog } from '../../src/events/event-log';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, scriptModel, workerWithCall } from '../harness/voice';

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const RESUMED = 'Sorry, the line dropped for a second. I am back, please go on.';
const SLOW_REPLY = 'Thanks, I have your order 4521 here and I can see every detail of it now.';

const phonePrefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
const uniquePhone = () => `${phonePrefix}${String(++phoneCounter).padStart(4, '0')}`;

const ORDER_RULES: Array<[RegExp, (request: RecordedRequest) => string]> = [
  [/order number is/i, () => SLOW_REPLY],
  [
    /order number again/i,
    (r) => (conversationText(r).includes('4521') ? 'Your order number is 4521.' : 'I do not know your order number.'),
  ],
];

async function finalRecord(system: TestSystem, callSid: string) {
  await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid)).result();
  return (await new CallStore(system.db).get(callSid))!;
}

/**
 * Calls survive a realtime worker: the `<Connect>` action brings a call whose stream was lost back to
 * the gateway, which reconnects it to a live worker; that worker restores the call from its workflow
 * and says the resumption line, not the greeting.
 */
describe('a call outlives its realtime worker', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // Three workers: each test loses one (cut or drained) and needs another to take over.
    system = await startTestSystem(
      { VOICE_GREETING: GREETING, VOICE_RESUMPTION_LINE: RESUMED },
      { voice: true, realtimeWorkers: 3 },
    );
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('a lost worker connection: the call goes on on the other worker with the earlier turns, and is recorded as reconnected', async () => {
    system.stt.script(['My order number is 4521.', 'What was my order number again?']);
    scriptModel(system, ORDER_RULES);
    const live = await connectCall(system, { remote: uniquePhone(), followActions: true });
    const call = live.call!;
    expect((await agentTurn(system, live.callSid, 0)).text).toBe(GREETING);
    await live.caller.say({ durationMs: 1200, seed: 1 });
    await agentTurn(system, live.callSid, 1);

    const first = await workerWithCall(system);
    system.cutRealtime(first);
    const second = await call.waitForLeg(2);
    // The other worker took it, greeting nobody again: the resumption line is turn 2.
    expect((await agentTurn(system, live.callSid, 2)).text).toBe(RESUMED);
    expect(system.realtimes.filter((r, i) => i !== first && r.activeCalls() === 1)).toHaveLength(1);
    await second.caller.say({ durationMs: 1300, seed: 2 });
    // The model on the new worker knows what was said before the worker was lost.
    expect((await agentTurn(system, live.callSid, 3)).text).toBe('Your order number is 4521.');
    await call.hangup();
    await callStatus(system, live.callSid, 'completed', { SequenceNumber: '3' });

    const record = await finalRecord(system, live.callSid);
    expect(record).toMatchObject({ outcome: 'completed', reconnects: 1, endReason: 'stop' });
    expect(record.turns.filter((t) => t.text === GREETING)).toHaveLength(1);
    expect(record.turns.map((t) => [t.turnId, t.role])).toEqual([
      [0, 'agent'],
      [1, 'caller'],
      [1, 'agent'],
      [2, 'agent'],
      [3, 'caller'],
      [3, 'agent'],
    ]);
    const ended = (await new EventLog(system.db).list({ type: 'call.ended' }, 500)).find(
      (e) => e.data.callSid === live.callSid,
    );
    expect(ended?.data).toMatchObject({ outcome: 'completed', reconnects: 1 });
  });

  it('a gateway restart cuts the stream passing through it; the call comes back through the restarted gateway', async () => {
    system.stt.script(['My order number is 4521.', 'What was my order number again?']);
    scriptModel(system, ORDER_RULES);
    const live = await connectCall(system, { remote: uniquePhone(), followActions: true });
    const call = live.call!;
    await agentTurn(system, live.callSid, 0);
    await live.caller.say({ durationMs: 1200, seed: 5 });
    await agentTurn(system, live.callSid, 1);
    await system.stopGateway();
    await system.startGateway();
    const second = await call.waitForLeg(2);
    expect((await agentTurn(system, live.callSid, 2)).text).toBe(RESUMED);
    await second.caller.say({ durationMs: 1300, seed: 6 });
    expect((await agentTurn(system, live.callSid, 3)).text).toBe('Your order number is 4521.');
    await call.hangup();
    await callStatus(system, live.callSid, 'completed', { SequenceNumber: '3' });
    expect(await finalRecord(system, live.callSid)).toMatchObject({ outcome: 'completed', reconnects: 1 });
  });

  it('SIGTERM drains: finishes the turn in progress, closes the stream with its own close code (no 1006), and the call moves on', async () => {
    system.stt.script(['My order number is 4521.', 'What was my order number again?']);
    scriptModel(system, ORDER_RULES);
    const live = await connectCall(system, { remote: uniquePhone(), followActions: true });
    const call = live.call!;
    await agentTurn(system, live.callSid, 0);
    const index = await workerWithCall(system);
    const saidAt = await live.caller.say({ durationMs: 1200, seed: 3 });
    // The drain starts while the agent is answering: the answer is finished, not cut.
    await live.caller.waitUntil(() => live.caller.firstAudioAfter(saidAt) !== undefined, 20_000);
    const draining = system.realtimes[index]!.drain();
    const ready = await fetch(`${system.realtimeUrls[index]}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ accepting: false, reason: 'draining' });
    const second = await call.waitForLeg(2);
    await draining;
    const answered = await agentTurn(system, live.callSid, 1);
    expect(answered.text).toBe(SLOW_REPLY);
    expect(answered.interrupted).toBeUndefined();
    // The worker's close frame reached the caller through the gateway's pass-through.
    expect(call.legs[0]!.close).toMatchObject({ code: 1012, by: 'app' });
    expect((await agentTurn(system, live.callSid, 2)).text).toBe(RESUMED);
    expect(system.realtimes.filter((r, i) => i !== index && r.activeCalls() === 1)).toHaveLength(1);
    await second.caller.say({ durationMs: 1300, seed: 4 });
    expect((await agentTurn(system, live.callSid, 3)).text).toBe('Your order number is 4521.');
    await call.hangup();
    await callStatus(system, live.callSid, 'completed', { SequenceNumber: '3' });
    expect(await finalRecord(system, live.callSid)).toMatchObject({ outcome: 'completed', reconnects: 1 });
  });

  it('a lost stream that no worker can take: a polite line, a hang-up, and the call is recorded as dropped', async () => {
    const live = await connectCall(system, { remote: uniquePhone(), followActions: true });
    const call = live.call!;
    await agentTurn(system, live.callSid, 0);
    // One worker was cut and one is draining (the tests before); the last one is lost now.
    system.cutRealtime(await workerWithCall(system));
    const end = await call.ended;
    expect(end.how).toBe('twiml');
    expect(end.said.join(' ')).toMatch(/lost the connection/);
    await callStatus(system, live.callSid, 'completed', { SequenceNumber: '3' });
    const record = await finalRecord(system, live.callSid);
    expect(record.outcome).toBe('dropped');
  });
});
