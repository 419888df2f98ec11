import { CallStore } from '../../src/voice/call-store';
import { EventLog } from '../../src/events/event-log';
import { CALL_WORKFLOW, callStateQuery, callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText, lastUserText, textReply } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall } from '../harness/voice';

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const RESUMED = 'Sorry, the line dropped for a second. I am back, please go on.';
const BUSY = 'All our agents are busy right now. Please call back soon. Goodbye.';
const SLOW_REPLY = 'Thanks, I have your order 4521 here and I can see every detail of it now.';

const phonePrefix = `+1629${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
const uniquePhone = () => `${phonePrefix}${String(++phoneCounter).padStart(4, '0')}`;

function scriptModel(system: TestSystem, rules: Array<[RegExp, (request: RecordedRequest) => string]>): void {
  system.anthropic.setResponder((request) => {
    const said = lastUserText(request);
    for (const [pattern, answer] of rules) if (pattern.test(said)) return textReply(answer(request));
    return textReply('Okay.');
  });
}

const ORDER_RULES: Array<[RegExp, (request: RecordedRequest) => string]> = [
  [/order number is/i, () => SLOW_REPLY],
  [
    /order number again/i,
    (r) => (conversationText(r).includes('4521') ? 'Your order number is 4521.' : 'I do not know your order number.'),
  ],
];

/** The worker holding a live call now (each test's calls are the only ones on its system). */
async function workerWithCall(system: TestSystem): Promise<number> {
  return eventually('a worker holding the call', () => {
    const index = system.realtimes.findIndex((r) => r.activeCalls() > 0);
    return index >= 0 ? index : undefined;
  });
}

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
    system = await startTestSystem(
      { VOICE_GREETING: GREETING, VOICE_RESUMPTION_LINE: RESUMED },
      { voice: true, realtimeWorkers: 2 },
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
    expect(system.realtimes[1 - first]!.activeCalls()).toBe(1);
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
});

describe('SIGTERM drains a realtime worker', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(
      { VOICE_GREETING: GREETING, VOICE_RESUMPTION_LINE: RESUMED },
      { voice: true, realtimeWorkers: 2 },
    );
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('finishes the turn in progress, closes the stream with its own close code (no 1006), and the call moves on', async () => {
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
    expect(system.realtimes[1 - index]!.activeCalls()).toBe(1);
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
    // One worker is draining already (the test before); the other is lost now.
    system.cutRealtime(await workerWithCall(system));
    const end = await call.ended;
    expect(end.how).toBe('twiml');
    expect(end.said.join(' ')).toMatch(/lost the connection/);
    await callStatus(system, live.callSid, 'completed', { SequenceNumber: '3' });
    const record = await finalRecord(system, live.callSid);
    expect(record.outcome).toBe('dropped');
  });
});

describe('concurrent calls per realtime worker', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(
      { VOICE_GREETING: GREETING, REALTIME_MAX_CALLS: '1', VOICE_BUSY_LINE: BUSY },
      { voice: true, realtimeWorkers: 2 },
    );
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('a call beyond a full worker goes to the other; with both full the caller hears the busy line', async () => {
    // With REALTIME_MAX_CALLS=1: A fills one worker, B the other; B hangs up, and C is offered to both in turn.
    const a = await connectCall(system, { remote: uniquePhone() });
    await agentTurn(system, a.callSid, 0);
    const first = await workerWithCall(system);
    const b = await connectCall(system, { remote: uniquePhone() });
    await agentTurn(system, b.callSid, 0);
    expect(system.realtimes.map((r) => r.activeCalls())).toEqual([1, 1]);
    // Whichever worker a new stream is offered first, the full one refuses it and the other takes it.
    await b.caller.hangup();
    await eventually('the second worker free', () => system.realtimes[1 - first]!.activeCalls() === 0);
    const c = await connectCall(system, { remote: uniquePhone() });
    await agentTurn(system, c.callSid, 0);
    expect(system.realtimes.map((r) => r.activeCalls())).toEqual([1, 1]);
    // Both full: the next caller hears the busy line instead of a stream nobody takes.
    const answer = await system.webhook('/twilio/voice/incoming', {
      CallSid: 'CA' + 'c3'.repeat(16),
      AccountSid: TEST_ACCOUNT_SID,
      From: uniquePhone(),
      To: system.config.get().twilio.accounts[0]!.phoneNumbers[0]!,
      Direction: 'inbound',
      CallStatus: 'ringing',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`<Say>${BUSY}</Say><Hangup/>`);
    expect(answer.body).not.toContain('<Connect');
    expect((await new CallStore(system.db).get(c.callSid))?.turns[0]?.text).toBe(GREETING);
    await a.caller.hangup();
    await c.caller.hangup();
  });
});

describe('a live call longer than one workflow run', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING }, { voice: true });
    system.tts.setTiming({ msPerChar: 25 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('continues as new with its state: turns, queries and the hang-up work across the boundary', async () => {
    system.stt.script(['My order number is 4521.', 'Anything else?', 'What was my order number again?']);
    scriptModel(system, ORDER_RULES);
    const remote = uniquePhone();
    const callSid =
      'CA' + `${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`.padEnd(32, '0').slice(0, 32);
    // The call's workflow, started as Twilio's first callback would, with a short run.
    const first = await system.temporal.workflow.start(CALL_WORKFLOW, {
      workflowId: callWorkflowId(callSid),
      taskQueue: system.config.get().temporal.taskQueue,
      args: [{ callSid, accountSid: TEST_ACCOUNT_SID, timings: { continueAfterTurns: 3 } }],
    });
    const live = await connectCall(system, { remote, callSid });
    await agentTurn(system, callSid, 0);
    for (const [turnId, ms] of [
      [1, 1200],
      [2, 900],
      [3, 1300],
    ] as const) {
      await live.caller.say({ durationMs: ms, seed: 10 + turnId });
      await agentTurn(system, callSid, turnId);
    }
    const handle = system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(callSid));
    const latest = await eventually('a continued run', async () => {
      const run = await handle.describe();
      return run.runId !== first.firstExecutionRunId ? run : undefined;
    });
    expect(latest.status.name).toBe('RUNNING');
    const state = await handle.query(callStateQuery);
    expect(state.turns).toBeGreaterThanOrEqual(5);
    expect(state.transcript?.some((t) => t.text === 'My order number is 4521.')).toBe(true);
    await live.caller.hangup();
    await callStatus(system, callSid, 'completed', { SequenceNumber: '3' });
    const result = await handle.result();
    expect(result).toEqual({ outcome: 'completed', turns: 7 });
    const record = (await new CallStore(system.db).get(callSid))!;
    expect(record).toMatchObject({ outcome: 'completed', endReason: 'stop', remote });
    expect(record.turns.at(-1)?.text).toBe('Your order number is 4521.');
  });
});
