import { EventLog } from '../../src/events/event-log';
import { CallStore } from '../../src/voice/call-store';
import { callWorkflowId, type CallWorkflow } from '../../workflows/call/contract';
import { AGENT_NUMBER, eventually, startTestSystem, type TestSystem } from '../harness/system';
import { callStatus } from '../harness/voice';

let sidCounter = 0;
function callSid(): string {
  sidCounter++;
  return (
    'CA' +
    `${Date.now().toString(16)}${sidCounter.toString(16).padStart(6, '0')}${Math.random().toString(16).slice(2)}`
      .padEnd(32, '0')
      .slice(0, 32)
  );
}

describe('call lifecycle from status callbacks', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  const events = async (sid: string) =>
    (await new EventLog(system.db).list({}, 1000)).filter((e) => e.data.callSid === sid);

  it('handles callbacks in any order and duplicated: the final status wins, each event is recorded once', async () => {
    const sid = callSid();
    const base = { From: '+14155550142', To: AGENT_NUMBER, Direction: 'inbound' };
    // Twilio does not guarantee arrival order: the last event arrives first, and some twice.
    await callStatus(system, sid, 'completed', { ...base, SequenceNumber: '3', CallDuration: '31' });
    await callStatus(system, sid, 'ringing', { ...base, SequenceNumber: '1' });
    await callStatus(system, sid, 'in-progress', { ...base, SequenceNumber: '2' });
    await callStatus(system, sid, 'completed', { ...base, SequenceNumber: '3', CallDuration: '31' });
    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(sid)).result();
    expect(result).toEqual({ outcome: 'completed', turns: 0 });
    const record = (await new CallStore(system.db).get(sid))!;
    expect(record).toMatchObject({ finalStatus: 'completed', durationSeconds: 31, outcome: 'completed' });
    const logged = await eventually('all events', async () => {
      const list = await events(sid);
      return list.length >= 4 ? list : undefined;
    });
    expect(logged.map((e) => e.type).sort()).toEqual(['call.answered', 'call.completed', 'call.ended', 'call.ringing']);
    // call.ended names the parties: a workflow bound to it can text the caller without looking the call up.
    expect(logged.find((e) => e.type === 'call.ended')!.data).toEqual({
      callSid: sid,
      from: '+14155550142',
      to: AGENT_NUMBER,
      remote: '+14155550142',
      local: AGENT_NUMBER,
      direction: 'inbound',
      outcome: 'completed',
      turns: 0,
    });
  });

  it('an outbound call nobody answers ends as no_answer', async () => {
    const sid = callSid();
    const base = { From: AGENT_NUMBER, To: '+14155550143', Direction: 'outbound-api' };
    await callStatus(system, sid, 'initiated', { ...base, SequenceNumber: '0' });
    await callStatus(system, sid, 'ringing', { ...base, SequenceNumber: '1' });
    await callStatus(system, sid, 'no-answer', { ...base, SequenceNumber: '2' });
    const result = await system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(sid)).result();
    expect(result.outcome).toBe('no_answer');
    const ended = await eventually('call.ended', async () => (await events(sid)).find((e) => e.type === 'call.ended'));
    // On a call we placed, From is our number: the remote party is the callee.
    expect(ended.data).toMatchObject({
      outcome: 'no_answer',
      turns: 0,
      from: AGENT_NUMBER,
      to: '+14155550143',
      remote: '+14155550143',
      local: AGENT_NUMBER,
      direction: 'outbound-api',
    });
    expect((await events(sid)).map((e) => e.type)).toContain('call.no_answer');
  });

  it('rejects a malformed status callback with the field named, and starts nothing', async () => {
    const response = await system.webhook('/twilio/voice/status', {
      CallSid: 'CA123',
      AccountSid: system.config.get().twilio.accounts[0]!.accountSid,
      CallStatus: 'answered',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/CallSid/);
    expect(response.body).toMatch(/CallStatus/);
  });
});
