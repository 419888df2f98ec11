import { CallStore } from '../../src/voice/call-store';
import { CALL_WORKFLOW, callStateQuery, callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { conversationText } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { TEST_ACCOUNT_SID, eventually, startTestSystem, type TestSystem } from '../harness/system';
import { agentTurn, callStatus, connectCall, scriptModel, workerWithCall } from '../harness/voice';

const GREETING = 'Hi, thanks for calling Beluga. How can I help?';
const BUSY = 'All our agents are busy right now. Please call back soon. Goodbye.';
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

describe('concurrent calls per realtime worker, and a call longer than one workflow run', () => {
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
