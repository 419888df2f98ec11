/**
 * The call coordinator with every provider faked in memory: what the caller hears, what the model
 * is told, and what the workflow is told, on barge-in, tool rounds, provider failures and keypad input.
 */
import { toAnthropicMessages } from '../../src/agent/anthropic-format';
import type { ChatRequest } from '../../src/agent/chat-model';
import { ChatStreamError } from '../../src/agent/streaming-chat-model';
import { ProviderError } from '../../src/providers/provider-error';
import { userMessage } from '../../src/agent/chat-items';
import { VoiceSession, type VoiceSessionDeps } from '../../src/realtime/voice-session';
import { CALL_CONTEXT_LIMITS, LEFT_OUT_NOTE } from '../../src/realtime/call-context-window';
import type { CallContext } from '../../src/realtime/call-context';
import { AgentDefinitionSchema } from '../../src/agents/definition';
import { resolveAgent } from '../../src/agents/resolved-agent';
import {
  BYTES_PER_CHAR,
  FakeMetrics,
  FakeModel,
  FakeReporter,
  FakeStt,
  FakeTts,
  decodeFrame,
  silentLog,
  testAgent,
  testConfig,
  text,
  until,
  untilAborted,
  voiced,
  type Reply,
  type SentFrame,
} from './fakes/voice-fakes';

/** The turns the model receives on the wire (Anthropic's shape, built by the adapter from our items). */
function wire(request: ChatRequest) {
  return toAnthropicMessages(request.items);
}

/** A call on fakes, its clock at 1000 ms; "Twilio" plays every mark back at once unless `autoPlay` is off. */
function call(
  replies: Reply[] = [],
  extra: { verifiedContext?: () => Promise<CallContext> } & Partial<
    Pick<VoiceSessionDeps, 'agent' | 'findAgent' | 'timeLimitMs' | 'recorded' | 'resume'>
  > = {},
) {
  const stt = new FakeStt();
  const model = new FakeModel(replies);
  const tts = new FakeTts();
  const reporter = new FakeReporter();
  const metrics = new FakeMetrics();
  const config = testConfig();
  const sent: SentFrame[] = [];
  const state = { clock: 1000, autoPlay: true };
  /** Which agent's model and voice each turn asked for. */
  const speakers: string[] = [];
  const session: VoiceSession = new VoiceSession({
    config: () => config,
    stt,
    llm: (agent) => (speakers.push(`llm:${agent.id}`), model),
    tts: (agent) => (speakers.push(`tts:${agent.id}`), tts),
    reporter,
    agent: extra.agent ?? testAgent(config),
    // A caller who can be verified starts unverified; the others are trusted from the start.
    trust: extra.verifiedContext ? 'unverified' : 'verified',
    context: (agent, trust) =>
      trust === 'verified' && extra.verifiedContext
        ? extra.verifiedContext()
        : Promise.resolve({ system: agent.id === 'default' ? 'Be brief.' : `You are ${agent.name}.`, history: [] }),
    ...(extra.findAgent ? { findAgent: extra.findAgent } : {}),
    ...(extra.timeLimitMs !== undefined ? { timeLimitMs: extra.timeLimitMs } : {}),
    ...(extra.recorded !== undefined ? { recorded: extra.recorded } : {}),
    ...(extra.resume ? { resume: extra.resume } : {}),
    metrics,
    log: silentLog,
    streamSid: 'MZ1',
    callSid: 'CA1',
    now: () => state.clock,
    send: (frame) => {
      const decoded = decodeFrame(frame);
      sent.push(decoded);
      const { mark } = decoded;
      if (mark && state.autoPlay) queueMicrotask(() => session.onMark(mark));
    },
  });
  const marks = () => sent.flatMap((f) => (f.mark ? [f.mark] : []));
  return { session, stt, model, tts, reporter, metrics, config, sent, state, marks, speakers };
}

async function greeted(c: ReturnType<typeof call>): Promise<void> {
  c.session.start();
  await until('the greeting', () => c.reporter.agentTurn(0));
  await until('STT open', () => c.stt.events);
}

describe('VoiceSession', () => {
  it("keeps a long call's context bounded: the model gets the newest turns, the workflow gets every turn", async () => {
    const c = call();
    await greeted(c);
    for (let i = 1; i <= 60; i++) {
      c.stt.say(`question number ${i}`);
      await until(`answer ${i}`, () => c.reporter.agentTurn(i));
    }
    const last = c.model.requests.at(-1)!;
    expect(last.items.length).toBeLessThanOrEqual(CALL_CONTEXT_LIMITS.maxItems);
    expect(JSON.stringify(last.items)).toContain('question number 60');
    expect(JSON.stringify(last.items)).not.toContain('question number 1"');
    expect(JSON.stringify(last.items[0])).toContain(LEFT_OUT_NOTE);
    expect(c.reporter.turns.filter((t) => t.role === 'caller')).toHaveLength(60);
    await c.session.end('stop');
  });

  it('greets at once, and reports the hang-up after the turn in flight', async () => {
    const c = call();
    c.session.start();
    expect(c.tts.texts).toEqual([c.config.voice.greeting]); // at once, not after STT opens
    await until('the greeting', () => c.reporter.agentTurn(0));
    expect(c.reporter.agentTurn(0)).toMatchObject({ role: 'agent', text: c.config.voice.greeting });
    expect(c.reporter.agentTurn(0)?.latency).toBeUndefined();
    await c.session.end('stop');
    expect(c.reporter.endedWith).toMatchObject({ reason: 'stop' });
    expect(c.stt.closed).toBe(true);
  });

  it('taking over a lost stream: the resumption line instead of the greeting, the call so far restored, turns numbered on, tools in flight asked again', async () => {
    const c = call([[text('Your order number is 4521.')]], {
      resume: {
        transcript: [
          { turnId: 0, role: 'agent', text: 'Hello.' },
          { turnId: 1, role: 'caller', text: 'My order number is 4521.' },
          { turnId: 1, role: 'agent', text: 'Thanks, got it.', interrupted: true },
        ],
        lastTurnId: 1,
        toolsInFlight: [{ toolCallId: 'toolu_x', name: 'send_sms', route: { kind: 'builtin' } }],
      },
    });
    c.reporter.toolAnswer = async () => ({ ok: true, result: 'SMS sent.' });
    c.session.start();
    expect(c.tts.texts).toEqual([c.config.voice.resumptionLine]);
    await until('the resumption line', () => c.reporter.agentTurn(2));
    expect(c.reporter.agentTurn(2)?.text).toBe(c.config.voice.resumptionLine);
    expect(c.reporter.agentTurn(0)).toBeUndefined();
    // The tool is asked again under its own id: the workflow answers it without running it twice.
    expect(c.reporter.tools).toEqual([
      { toolCallId: 'toolu_x', name: 'send_sms', input: {}, route: { kind: 'builtin' } },
    ]);
    await until('STT open', () => c.stt.events);
    c.stt.say('What was my order number?');
    await until('the answer', () => c.reporter.agentTurn(3));
    const context = wire(c.model.requests[0]!);
    // (Anthropic's messages start with the caller: the greeting before it is not sent.)
    expect(context[0]).toEqual({ role: 'user', content: 'My order number is 4521.' });
    expect(JSON.stringify(context)).toContain('Thanks, got it. [interrupted by the caller]');
    expect(JSON.stringify(context)).toContain('(send_sms: SMS sent.)');
    expect(context.at(-1)).toEqual({ role: 'user', content: 'What was my order number?' });
    await c.session.end('stop');
  });

  it('hands over (a draining worker) only once the turn in progress has played, its report flushed', async () => {
    const c = call([[text('Your order ships tomorrow morning.')]]);
    await greeted(c);
    c.state.autoPlay = false;
    c.stt.say('Where is my order?');
    await until('the reply sent', () => c.marks().includes('t1c0'));
    let handedOver = false;
    const handover = c.session.handOver().then(() => (handedOver = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handedOver).toBe(false);
    c.session.onMark('t1c0');
    await handover;
    expect(c.reporter.agentTurn(1)).toMatchObject({ text: 'Your order ships tomorrow morning.' });
    expect(c.reporter.agentTurn(1)?.interrupted).toBeUndefined();
    await c.session.end('handover');
    expect(c.reporter.endedWith).toMatchObject({ reason: 'handover' });
  });

  it('announces the recording first, as part of the greeting, when calls are recorded', async () => {
    const c = call();
    c.config.voice.record = true;
    c.config.voice.recordingAnnouncement = 'This call is recorded for quality.';
    c.session.start();
    const said = `This call is recorded for quality. ${c.config.voice.greeting}`;
    expect(c.tts.texts).toEqual([said]);
    await until('the greeting', () => c.reporter.agentTurn(0));
    expect(c.reporter.agentTurn(0)).toMatchObject({ role: 'agent', text: said });
    await c.session.end('stop');
  });

  it('follows what the stream token says about recording over voice.record (a call placed with or without record)', async () => {
    const recorded = call([], { recorded: true });
    recorded.session.start();
    expect(recorded.tts.texts).toEqual([
      `${recorded.config.voice.recordingAnnouncement} ${recorded.config.voice.greeting}`,
    ]);
    await recorded.session.end('stop');

    const unrecorded = call([], { recorded: false });
    unrecorded.config.voice.record = true;
    unrecorded.session.start();
    expect(unrecorded.tts.texts).toEqual([unrecorded.config.voice.greeting]);
    await unrecorded.session.end('stop');
  });

  it('on barge-in mid-chunk clears the audio, and keeps only what was heard, with "…"', async () => {
    const c = call([[text('Hello there. '), text('Your order ships tomorrow morning by truck.')], [text('Sure.')]]);
    await greeted(c);
    c.state.autoPlay = false;
    c.stt.say('Where is my order?');
    await until('both chunks sent', () => c.marks().includes('t1c1'));
    expect(c.tts.texts.slice(-2)).toEqual(['Hello there.', 'Your order ships tomorrow morning by truck.']);
    const chunk0Ms = ('Hello there.'.length * BYTES_PER_CHAR) / 8;
    const chunk1Ms = ('Your order ships tomorrow morning by truck.'.length * BYTES_PER_CHAR) / 8;
    c.state.clock += chunk0Ms;
    c.session.onMark('t1c0');
    c.state.clock += chunk1Ms / 2; // half of the second chunk has played when the caller talks
    c.session.onAudio(voiced(200));
    expect(c.sent.at(-1)).toEqual({ event: 'clear' });
    expect(c.metrics.bargeIns).toBe(1);
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.reporter.agentTurn(1)).toMatchObject({
      text: 'Hello there. Your order ships tomorrow…',
      interrupted: true,
    });

    // The model is told only what was heard.
    c.state.autoPlay = true;
    c.stt.say('Thanks.');
    await until('the next request', () => c.model.requests.length === 2);
    expect(wire(c.model.requests[1]!)).toEqual([
      { role: 'user', content: 'Where is my order?' },
      { role: 'assistant', content: 'Hello there. Your order ships tomorrow…' },
      { role: 'user', content: 'Thanks.' },
    ]);
  });

  it("barge-in during a tool: the tool is not repeated, and the next turn's model is told what it did", async () => {
    const sms = { id: 'toolu_s', name: 'send_sms', input: { message: 'the link' } };
    const c = call([[text('Sure. '), { type: 'tool_call', call: sms }], [text('It is on its way.')]]);
    let answer!: (outcome: { ok: boolean; result: string }) => void;
    c.reporter.toolAnswer = () => new Promise((resolve) => (answer = resolve));
    await greeted(c);
    c.stt.say('Text me the link.');
    await until('the tool started', () => c.reporter.tools.length === 1);
    c.session.onAudio(voiced(200));
    expect(c.model.signals[0]!.aborted).toBe(true); // the turn was talked over
    c.stt.say('Did you send it?');
    // The next turn waits for the interrupted one's tool before it asks the model.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.model.requests).toHaveLength(1);
    answer({ ok: true, result: 'Text sent to +14155550100.' });
    await until('the next request', () => c.model.requests.length === 2);
    const context = wire(c.model.requests[1]!);
    expect(context.at(-2)?.role).toBe('assistant');
    expect(context.at(-2)?.content).toContain('(send_sms: Text sent to +14155550100.)');
    expect(context.at(-1)).toEqual({ role: 'user', content: 'Did you send it?' });
    await until('the agent turn', () => c.reporter.agentTurn(2));
    expect(c.reporter.tools).toHaveLength(1);
  });

  it('a transfer that completes after the caller talked over its turn: the next turn says nothing more', async () => {
    const transfer = { id: 'toolu_t', name: 'transfer_call', input: { reason: 'asked for a person' } };
    const c = call([[text('Transferring you now. '), { type: 'tool_call', call: transfer }], [text('Hello!')]]);
    let answer!: (outcome: { ok: boolean; result: string; endsConversation: boolean }) => void;
    c.reporter.toolAnswer = () => new Promise((resolve) => (answer = resolve));
    await greeted(c);
    c.stt.say('A person, please.');
    await until('the transfer started', () => c.reporter.tools.length === 1);
    c.session.onAudio(voiced(200));
    c.stt.say('Hello? Are you there?');
    answer({ ok: true, result: 'Transferring the caller.', endsConversation: true });
    await until('the agent turn', () => c.reporter.agentTurn(2));
    expect(c.model.requests).toHaveLength(1);
    expect(c.reporter.agentTurn(2)?.text).toBe('');
  });

  it('runs a tool round through the reporter, covers the wait with the filler, and speaks the answer', async () => {
    const call1 = { id: 'toolu_1', name: 'send_sms', input: { body: 'the link' } };
    const c = call([[text('Let me text you the link. '), { type: 'tool_call', call: call1 }], [text('Sent it.')]]);
    c.reporter.toolAnswer = () =>
      new Promise((resolve) => setTimeout(() => resolve({ ok: true, result: 'SMS sent.' }), 60));
    await greeted(c);
    c.stt.say('Text me the link.');
    await until('the agent turn', () => c.reporter.agentTurn(1));

    expect(c.reporter.tools).toEqual([
      { toolCallId: 'toolu_1', name: 'send_sms', input: { body: 'the link' }, route: { kind: 'builtin' } },
    ]);
    expect(wire(c.model.requests[1]!)).toEqual([
      { role: 'user', content: 'Text me the link.' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me text you the link. ' },
          { type: 'tool_use', id: 'toolu_1', name: 'send_sms', input: { body: 'the link' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'SMS sent.' }] },
    ]);
    expect(c.reporter.agentTurn(1)!.text).toBe(`Let me text you the link. ${c.config.voice.filler} Sent it.`);

    // The call's context remembers what the tool did, then what was said.
    c.stt.say('Thanks.');
    await until('the next request', () => c.model.requests.length === 3);
    expect(wire(c.model.requests[2]!)[1]).toEqual({
      role: 'assistant',
      content: `(send_sms: SMS sent.) Let me text you the link. ${c.config.voice.filler} Sent it.`,
    });
  });

  it("loads the caller's memory once a tool verifies them: the very next model round sees it", async () => {
    const check = { id: 'toolu_v', name: 'check_verification_code', input: { code: '123456' } };
    let loads = 0;
    const c = call([[{ type: 'tool_call', call: check }], [text('Thanks, Sam.')], [text('Sure.')]], {
      verifiedContext: () => {
        loads++;
        return Promise.resolve({ system: 'Be brief. You remember: Sam.', history: [userMessage('An earlier SMS.')] });
      },
    });
    c.reporter.toolAnswer = (request) =>
      Promise.resolve(
        request.name === 'check_verification_code'
          ? { ok: true, result: 'Verified.', verified: true }
          : { ok: true, result: 'Done.' },
      );
    await greeted(c);
    c.stt.say('My code is 1 2 3 4 5 6.');
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.model.requests[0]!.system).toBe('Be brief.');
    expect(wire(c.model.requests[0]!)[0]).toEqual({ role: 'user', content: 'My code is 1 2 3 4 5 6.' });
    expect(c.model.requests[1]!.system).toBe('Be brief. You remember: Sam.');
    expect(wire(c.model.requests[1]!)[0]).toEqual({ role: 'user', content: 'An earlier SMS.' });
    // Later turns keep it, and it is loaded once.
    c.stt.say('Thanks.');
    await until('the next request', () => c.model.requests.length === 3);
    expect(c.model.requests[2]!.system).toBe('Be brief. You remember: Sam.');
    expect(loads).toBe(1);
  });

  it('speaks the fallback line when the model fails, counted as llm', async () => {
    const c = call([
      () => Promise.reject(new ChatStreamError('HTTP 529 overloaded', { retryable: true, status: 529 }, 'fake')),
    ]);
    await greeted(c);
    c.stt.say('Hello?');
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.metrics.fallbacks).toEqual(['llm']);
    expect(c.reporter.agentTurn(1)!.text).toBe(c.config.voice.fallbackLine);
  });

  it('decides the fallback kind by type, not by the words of the message', async () => {
    const c = call([() => Promise.reject(new Error('speech synthesis of the prompt exploded'))]);
    await greeted(c);
    c.stt.say('Hello?');
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.metrics.fallbacks).toEqual(['llm']);
  });

  it('speaks the fallback line with a fresh speaker when TTS fails, counted as tts', async () => {
    const c = call([[text('Your order ships tomorrow.')]]);
    await greeted(c);
    c.tts.failWith = (t) =>
      t.startsWith('Your')
        ? new ProviderError('tts', 'upstream said no', { provider: 'fake', retryable: false })
        : undefined;
    c.stt.say('Where is my order?');
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.metrics.fallbacks).toEqual(['tts']);
    expect(c.tts.texts.slice(-2)).toEqual(['Your order ships tomorrow.', c.config.voice.fallbackLine]);
    expect(c.reporter.agentTurn(1)!.text).toBe(c.config.voice.fallbackLine);
  });

  it('lets keypad input during a reply supersede it, and tells the model what was pressed', async () => {
    const c = call([untilAborted('Let me look that up for you. '), [text('Got it.')]]);
    await greeted(c);
    c.stt.say('My code is');
    await until('the reply to start', () => c.tts.texts.includes('Let me look that up for you.'));
    c.session.onDtmf('4');
    c.session.onDtmf('2');
    expect(c.reporter.digits).toEqual([]); // gathered until # or a pause
    c.session.onDtmf('#');

    expect(c.model.signals[0]!.aborted).toBe(true);
    expect(c.reporter.digits).toEqual(['42#']);
    expect(c.reporter.turns).toContainEqual(
      expect.objectContaining({
        role: 'caller',
        turnId: 2,
        text: '(The caller pressed the keypad: 4 2 #)',
        source: 'dtmf',
      }),
    );
    await until('the reply to the keypad', () => c.reporter.agentTurn(2));
    expect(wire(c.model.requests[1]!)).toEqual([
      { role: 'user', content: 'My code is' },
      { role: 'assistant', content: 'Let me look that up for you.' },
      { role: 'user', content: '(The caller pressed the keypad: 4 2 #)' },
    ]);
    expect(c.reporter.agentTurn(2)!.text).toBe('Got it.');
  });

  it("hands off: the turn ends after the handoff, noted in the transcript; from the next turn the other agent's prompt, model and voice apply", async () => {
    const config = testConfig();
    const agentNamed = (id: string, name: string, version: number) =>
      resolveAgent(
        AgentDefinitionSchema.parse({ id, name, instructions: `You are ${name}.`, tools: ['handoff_to_agent'] }),
        version,
        config,
      );
    const handoff = { id: 'toolu_h', name: 'handoff_to_agent', input: { agentId: 'billing', reason: 'invoice' } };
    const found: Array<[string, number]> = [];
    const c = call(
      [[text('Let me pass you to Billing. '), { type: 'tool_call', call: handoff }], [text('Billing here.')]],
      {
        agent: agentNamed('sales', 'Sales', 1),
        findAgent: (agentId, version) => {
          found.push([agentId, version]);
          return Promise.resolve(agentNamed(agentId, 'Billing', version));
        },
      },
    );
    c.reporter.toolAnswer = () =>
      Promise.resolve({
        ok: true,
        result: 'Handed off to Billing.',
        handoff: { agentId: 'billing', version: 4, name: 'Billing' },
      });
    await greeted(c);
    c.stt.say('A question about my invoice.');
    await until('the agent turn', () => c.reporter.agentTurn(1));
    expect(c.reporter.agentTurn(1)).toMatchObject({
      text: 'Let me pass you to Billing. (handed off to Billing)',
      agentId: 'sales',
    });
    // No further round for Sales after the handoff.
    expect(c.model.requests).toHaveLength(1);
    expect(c.model.requests[0]!.system).toBe('You are Sales.');
    expect(c.model.requests[0]!.tools?.map((t) => t.name)).toContain('handoff_to_agent');
    expect(found).toEqual([['billing', 4]]);
    c.stt.say('It is invoice 77.');
    await until('the next turn', () => c.reporter.agentTurn(2));
    expect(c.reporter.agentTurn(2)).toMatchObject({ text: 'Billing here.', agentId: 'billing' });
    expect(c.model.requests[1]!.system).toBe('You are Billing.');
    // What Sales said is part of what Billing sees.
    expect(JSON.stringify(c.model.requests[1]!.items)).toContain('Let me pass you to Billing.');
    expect(c.speakers.slice(-2)).toEqual(['tts:billing', 'llm:billing']);
    expect(c.speakers).toContain('llm:sales');
    await c.session.end('stop');
  });

  it('ends the call at its time limit: the closing line, then end_call through the workflow; nothing more is answered', async () => {
    const c = call([], { timeLimitMs: 30 });
    await greeted(c);
    await until('the closing turn', () => c.reporter.agentTurn(1), 2000);
    expect(c.reporter.agentTurn(1)!.text).toMatch(/time limit for this call/);
    await until('the hang-up', () => c.reporter.tools.length === 1);
    expect(c.reporter.tools[0]).toEqual({ toolCallId: 'time-limit-CA1', name: 'end_call', input: {} });
    c.stt.say('Wait, one more thing!');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.model.requests).toHaveLength(0);
    await c.session.end('stop');
  });
});
