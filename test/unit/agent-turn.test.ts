/** One agent turn on fakes: its latency timeline, and a hang-up tool that waits for the goodbye to play. */
import { userMessage } from '../../src/agent/chat-items';
import type { ChatStreamEvent } from '../../src/agent/streaming-chat-model';
import { AgentTurn } from '../../src/realtime/agent-turn';
import { Playout } from '../../src/realtime/playout';
import { defaultAgentFrom } from '../../src/agents/default-agent';
import { resolveAgent } from '../../src/agents/resolved-agent';
import type { TextToSpeech } from '../../src/speech/tts';
import {
  FakeMetrics,
  FakeModel,
  FakeReporter,
  FakeTts,
  decodeFrame,
  silentLog,
  testConfig,
  text,
  until,
  type Reply,
} from './fakes/voice-fakes';

function turnOn(replies: Reply[], options: { tts?: TextToSpeech; autoPlay?: boolean; clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: 0 };
  const marks: string[] = [];
  const playout: Playout = new Playout(
    'MZ1',
    (frame) => {
      const { mark } = decodeFrame(frame);
      if (!mark) return;
      marks.push(mark);
      if (options.autoPlay !== false) queueMicrotask(() => playout.onMark(mark));
    },
    () => clock.now,
  );
  const reporter = new FakeReporter();
  const metrics = new FakeMetrics();
  const config = testConfig();
  const model = new FakeModel(replies);
  const tts = options.tts ?? new FakeTts();
  const turn = new AgentTurn({
    id: 1,
    playout,
    tts: () => tts,
    events: reporter,
    metrics,
    log: silentLog,
    callSid: 'CA1',
    agent: () => resolveAgent(defaultAgentFrom(config), 1, config),
    now: () => clock.now,
    caller: { speechEndedAt: 100, sttReceivedAt: 300 },
    hungUp: () => false,
  });
  let ended = false;
  const reply = () =>
    turn.reply({
      model,
      context: () => Promise.resolve({ system: 'Be brief.', history: [] }),
      callItems: () => [userMessage('Hello?')],
      callerVerified: () => true,
      endsCall: () => (ended = true),
      verified: () => undefined,
    });
  return { turn, reply, clock, marks, playout, reporter, metrics, model, ended: () => ended };
}

describe('AgentTurn', () => {
  it('measures where the time went, from the end of speech to the first audio sent', async () => {
    const clock = { now: 0 };
    const tts: TextToSpeech = {
      async *synthesize(t) {
        clock.now = 800; // first byte
        yield Buffer.alloc(t.length * 80, 0xff);
      },
    };
    const t = turnOn(
      [
        async function* (): AsyncGenerator<ChatStreamEvent> {
          clock.now = 650; // first token, and with it the first speakable chunk
          yield text('Hello there. ');
          yield text('How can I help?');
        },
      ],
      { tts, clock },
    );
    clock.now = 400; // the request goes out
    await t.reply();
    expect(t.turn.record()).toBe('Hello there. How can I help?');
    const expected = {
      endOfSpeechToFirstAudioMs: 700,
      sttMs: 200,
      llmFirstTokenMs: 250,
      llmFirstChunkMs: 250,
      ttsFirstByteMs: 150,
      overheadMs: 100,
    };
    expect(t.metrics.latencies).toEqual([expected]);
    expect(t.reporter.agentTurn(1)).toMatchObject({ text: 'Hello there. How can I help?', latency: expected });
  });

  it('lets the goodbye play before it runs end_call, then ends the call', async () => {
    const endCall = { id: 'toolu_9', name: 'end_call', input: {} };
    const t = turnOn([[text('Goodbye! '), { type: 'tool_call', call: endCall }]], { autoPlay: false });
    t.reporter.toolAnswer = async () => ({ ok: true, result: 'Call ended.', endsConversation: true });
    const done = t.reply();
    await until('the goodbye sent', () => t.marks.includes('t1c0'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.reporter.tools).toEqual([]); // still playing
    t.playout.onMark('t1c0');
    await done;
    expect(t.reporter.tools).toEqual([
      { toolCallId: 'toolu_9', name: 'end_call', input: {}, route: { kind: 'builtin' } },
    ]);
    expect(t.ended()).toBe(true);
    expect(t.model.requests).toHaveLength(1); // no round after the hang-up
    expect(t.turn.record()).toBe('(end_call: Call ended.) Goodbye!');
  });
  it("covers a slow tool with the tool's own filler line, over the agent's", async () => {
    const lookup = { id: 'toolu_l', name: 'lookup_customer', input: {} };
    const t = turnOn([[{ type: 'tool_call', call: lookup }], [text('Found you.')]]);
    let answer!: (outcome: { ok: boolean; result: string }) => void;
    t.reporter.toolAnswer = () => new Promise((resolve) => (answer = resolve));
    const done = t.reply();
    await until('the filler', () => t.marks.length > 0, 2000);
    answer({ ok: true, result: '{"customerId":"c1"}' });
    await done;
    // lookup_customer has its own line; the agent's default filler is for tools without one.
    expect(t.turn.record()).toBe('(lookup_customer: {"customerId":"c1"}) Let me pull up your details. Found you.');
  });

  it('runs only the tools the model was offered: a verified caller is not offered the verification tools', async () => {
    const sendCode = { id: 'toolu_v', name: 'send_verification_code', input: {} };
    const t = turnOn([[{ type: 'tool_call', call: sendCode }], [text('Sorry.')]]);
    await t.reply();
    expect(t.reporter.tools).toEqual([]);
    const offered = t.model.requests[0]!.tools!.map((tool) => tool.name);
    expect(offered).toEqual(expect.arrayContaining(['lookup_customer', 'send_sms', 'transfer_call', 'end_call']));
    expect(offered).not.toContain('send_verification_code');
    expect(offered).not.toContain('escalate_to_human');
    expect(t.turn.record()).toBe('(send_verification_code: There is no tool named send_verification_code.) Sorry.');
  });

  it("keeps a tool's note when the caller talks over the turn while it runs, and asks the model no more", async () => {
    const sms = { id: 'toolu_s', name: 'send_sms', input: { message: 'the link' } };
    const t = turnOn([[text('Sure. '), { type: 'tool_call', call: sms }]]);
    let answer!: (outcome: { ok: boolean; result: string }) => void;
    t.reporter.toolAnswer = () => new Promise((resolve) => (answer = resolve));
    const done = t.reply();
    await until('the tool started', () => t.reporter.tools.length === 1);
    t.turn.interrupt();
    answer({ ok: true, result: 'Text sent to +14155550100.' });
    await done;
    expect(t.model.requests).toHaveLength(1);
    expect(t.turn.record()).toMatch(/^\(send_sms: Text sent to \+14155550100\.\)/);
  });
});
