/** One agent turn on fakes: its latency timeline, and a hang-up tool that waits for the goodbye to play. */
import { userMessage } from '../../src/agent/chat-items';
import type { ChatStreamEvent } from '../../src/agent/streaming-chat-model';
import { AgentTurn } from '../../src/realtime/agent-turn';
import { Playout } from '../../src/realtime/playout';
import { VOICE_TOOLS } from '../../src/voice/tools';
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
    voice: () => config.voice,
    now: () => clock.now,
    caller: { speechEndedAt: 100, sttReceivedAt: 300 },
    hungUp: () => false,
  });
  let ended = false;
  const reply = () =>
    turn.reply({
      model,
      tools: VOICE_TOOLS,
      context: () => Promise.resolve({ system: 'Be brief.', history: [] }),
      callItems: () => [userMessage('Hello?')],
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
    expect(t.reporter.tools).toEqual([{ toolCallId: 'toolu_9', name: 'end_call', input: {} }]);
    expect(t.ended()).toBe(true);
    expect(t.model.requests).toHaveLength(1); // no round after the hang-up
    expect(t.turn.record()).toBe('(end_call: Call ended.) Goodbye!');
  });
});
