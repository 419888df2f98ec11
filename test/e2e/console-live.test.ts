import { createHmac } from 'node:crypto';
import { OPERATOR_KEY, startTestSystem, type TestSystem } from '../harness/system';
import { callStatus, connectCall, scriptModel } from '../harness/voice';
import { openEventStream, type ReceivedEvent } from '../harness/live';

const GREETING = 'Hello from Beluga, how can I help?';
const CALLER_WORDS = 'I would like to check my order status please.';
const REPLY = 'Sure, your order left the warehouse this morning. It should arrive by Friday afternoon.';

describe('live view of calls (GET /api/live)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ VOICE_GREETING: GREETING }, { voice: true, secondAccount: true });
    system.tts.setTiming({ msPerChar: 20 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it("streams a call as it happens: started, the caller's words growing, the agent's reply as it plays, each turn, the end", async () => {
    const live = await openEventStream(`${system.gatewayUrl}/api/live`, { 'x-api-key': OPERATOR_KEY });
    expect(live.status).toBe(200);
    expect(live.contentType).toMatch(/^text\/event-stream/);
    const snapshot = await live.waitFor('the snapshot', (e) => e.type === 'snapshot');
    expect(live.events[0]).toBe(snapshot);
    expect(snapshot.data).toEqual({ type: 'snapshot', calls: [], waiting: [], feed: 'on' });

    system.stt.script([CALLER_WORDS]);
    scriptModel(system, [[/order status/i, () => REPLY]]);
    const remote = '+15550220001';
    const { caller, callSid } = await connectCall(system, { remote });
    const ofCall = (type: string) => (e: ReceivedEvent) => e.type === type && e.data.callSid === callSid;
    const started = await live.waitFor('call.started', (e) => e.type === 'call.started');
    expect(started.data.call).toMatchObject({ callSid, remote, direction: 'inbound', turns: [] });
    expect((started.data.call as { agentId?: string }).agentId).toBeTruthy();

    // The greeting plays, then is a finished turn.
    const greeting = await live.waitFor('the greeting turn', (e) => ofCall('call.turn')(e));
    expect(greeting.data.turn).toMatchObject({ turnId: 0, role: 'agent', text: GREETING });

    const said = caller.say({ durationMs: 2400, seed: 7 });
    const callerTurn = await live.waitFor(
      "the caller's turn",
      (e) => ofCall('call.turn')(e) && (e.data.turn as { role: string }).role === 'caller',
    );
    await said;
    expect(callerTurn.data.turn).toMatchObject({ turnId: 1, role: 'caller', text: CALLER_WORDS });
    // While they spoke, their words appeared as recognized, growing, before the turn was final.
    const partials = live.events
      .filter((e) => ofCall('call.current')(e) && (e.data.current as { role: string }).role === 'caller')
      .map((e) => ({ at: e.at, text: (e.data.current as { text: string }).text }));
    expect(partials.length).toBeGreaterThanOrEqual(2);
    expect(partials.every((p) => p.at < callerTurn.at)).toBe(true);
    expect(partials.at(-1)!.text.length).toBeGreaterThan(partials[0]!.text.length);

    const agentTurn = await live.waitFor(
      "the agent's reply",
      (e) =>
        ofCall('call.turn')(e) &&
        (e.data.turn as { role: string; turnId: number }).turnId === 1 &&
        (e.data.turn as { role: string }).role === 'agent',
    );
    expect(agentTurn.data.turn).toMatchObject({ role: 'agent', text: REPLY });
    expect((agentTurn.data.turn as { latency?: unknown }).latency).toBeDefined();
    // The reply appeared chunk by chunk as it played, before the turn was over.
    const speaking = live.events
      .filter(
        (e) =>
          ofCall('call.current')(e) &&
          (e.data.current as { role: string; turnId?: number }).role === 'agent' &&
          (e.data.current as { turnId?: number }).turnId === 1,
      )
      .map((e) => ({ at: e.at, text: (e.data.current as { text: string }).text }));
    expect(speaking.length).toBeGreaterThanOrEqual(2);
    expect(speaking.every((s) => s.at < agentTurn.at && REPLY.startsWith(s.text))).toBe(true);
    expect(speaking.at(-1)!.text).toBe(REPLY);

    // A second viewer connecting mid-call gets the call so far in its snapshot.
    const late = await openEventStream(`${system.gatewayUrl}/api/live`, { 'x-api-key': OPERATOR_KEY });
    const lateSnapshot = await late.waitFor('the late snapshot', (e) => e.type === 'snapshot');
    const [liveCall] = lateSnapshot.data.calls as Array<{ callSid: string; turns: Array<{ text: string }> }>;
    expect(liveCall?.callSid).toBe(callSid);
    expect(liveCall?.turns.map((t) => t.text)).toEqual([GREETING, CALLER_WORDS, REPLY]);

    await caller.hangup();
    await callStatus(system, callSid, 'completed', { CallDuration: '8', SequenceNumber: '3' });
    const ended = await live.waitFor('call.ended', ofCall('call.ended'));
    await late.waitFor('call.ended for the late viewer', ofCall('call.ended'));
    // The whole story, in order.
    const story = live.events.filter(
      (e) => e.type === 'snapshot' || e.data.callSid === callSid || e.type === 'call.started',
    );
    const index = (e: ReceivedEvent) => story.indexOf(e);
    expect(index(snapshot)).toBe(0);
    expect(index(started)).toBe(1);
    expect(index(greeting)).toBeLessThan(index(callerTurn));
    expect(index(callerTurn)).toBeLessThan(index(agentTurn));
    expect(index(agentTurn)).toBeLessThan(index(ended));
    expect(index(ended)).toBe(story.length - 1);
    live.close();
    late.close();
  }, 90_000);

  it('the internal feed of a realtime worker refuses a reader without the internal token', async () => {
    const feed = `${system.realtimeUrl}/internal/live`;
    const none = await fetch(feed);
    expect(none.status).toBe(401);
    const wrong = await fetch(feed, { headers: { authorization: `Bearer ${'x'.repeat(64)}` } });
    expect(wrong.status).toBe(401);
    // The operator key itself is not the internal token either.
    const operatorKey = await fetch(feed, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
    expect(operatorKey.status).toBe(401);
    const token = createHmac('sha256', OPERATOR_KEY).update('beluga-live-feed').digest('hex');
    const reader = await openEventStream(feed, { authorization: `Bearer ${token}` });
    expect(reader.status).toBe(200);
    expect((await reader.waitFor('snapshot', (e) => e.type === 'snapshot')).data).toEqual({
      type: 'snapshot',
      calls: [],
    });
    reader.close();
  });

  it('GET /api/live needs the operator key', async () => {
    const response = await fetch(`${system.gatewayUrl}/api/live`);
    expect(response.status).toBe(401);
  });
});
