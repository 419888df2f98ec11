import {
  DEFAULT_CALLER_NUMBER,
  DEFAULT_CALLER_SCRIPT,
  formatConversation,
  formatLatency,
  parseCallArgs,
  speakingTimeMs,
  streamParameters,
  UsageError,
} from '../../devstack/simulated-call';
import type { CallTurn } from '../../src/voice/call-types';
import { connectStreamTwiml } from '../../src/voice/twiml';

describe('npm run call: arguments', () => {
  it('defaults to a fixed number and the three-line script', () => {
    expect(parseCallArgs([])).toEqual({
      from: DEFAULT_CALLER_NUMBER,
      utterances: [...DEFAULT_CALLER_SCRIPT],
      help: false,
    });
    expect(DEFAULT_CALLER_SCRIPT).toHaveLength(3);
  });

  it('takes --from, repeated --say lines in order, and a gateway origin', () => {
    expect(
      parseCallArgs([
        '--from',
        '+442071838750',
        '--say',
        ' Hello there ',
        '--say',
        'Bye',
        '--gateway',
        'http://127.0.0.1:4000/',
      ]),
    ).toEqual({
      from: '+442071838750',
      utterances: ['Hello there', 'Bye'],
      gateway: 'http://127.0.0.1:4000',
      help: false,
    });
    expect(parseCallArgs(['-h']).help).toBe(true);
  });

  it('rejects bad input with the usage', () => {
    expect(() => parseCallArgs(['--from', '4155550123'])).toThrow(/--from: must be an E\.164 number/);
    expect(() => parseCallArgs(['--say', '  '])).toThrow(/--say: a line must not be empty/);
    expect(() => parseCallArgs(['--gateway', 'localhost:3000'])).toThrow(/--gateway/);
    expect(() => parseCallArgs(['--gateway', 'ftp://x'])).toThrow(/--gateway: must be an http/);
    expect(() => parseCallArgs(['--nope'])).toThrow(UsageError);
    expect(() => parseCallArgs(['hello'])).toThrow(/usage: npm run call/);
  });
});

describe('npm run call: the call', () => {
  it('reads the stream parameters from the TwiML the gateway really answers with', () => {
    const twiml = connectStreamTwiml({
      publicUrl: 'https://tunnel.example.com',
      parameters: { customerId: 'cus_1', from: '+14155550123', token: 'a&b"c' },
    });
    expect(streamParameters(twiml)).toEqual({
      url: 'wss://tunnel.example.com/twilio/media-stream',
      parameters: { customerId: 'cus_1', from: '+14155550123', token: 'a&b"c' },
    });
    expect(() => streamParameters('<Response><Say>Sorry</Say></Response>')).toThrow(
      /did not answer the call with <Connect><Stream>/,
    );
  });

  it('talks about as long as a person would, within bounds', () => {
    expect(speakingTimeMs('Hi')).toBe(800);
    expect(speakingTimeMs("Hi, I'm calling about my order, number 4521.")).toBe(8 * 350 + 250);
    expect(speakingTimeMs('word '.repeat(100))).toBe(8000);
  });
});

describe('npm run call: printing the conversation', () => {
  const latency = {
    endOfSpeechToFirstAudioMs: 943.4,
    sttMs: 372.2,
    llmFirstTokenMs: 366,
    llmFirstChunkMs: 405.1,
    ttsFirstByteMs: 161,
    overheadMs: 5.1,
  };
  const turns: CallTurn[] = [
    { turnId: 0, role: 'agent', text: 'Hi, how can I help?', at: '2026-01-01T00:00:00.000Z' },
    { turnId: 1, role: 'caller', text: 'Where is my order?', at: '2026-01-01T00:00:03.000Z', source: 'speech' },
    { turnId: 1, role: 'agent', text: 'It ships tomorrow.', at: '2026-01-01T00:00:05.000Z', latency },
    { turnId: 2, role: 'caller', text: 'Thanks.', at: '2026-01-01T00:00:07.000Z', source: 'speech' },
    {
      turnId: 2,
      role: 'agent',
      text: 'You are',
      at: '2026-01-01T00:00:08.000Z',
      interrupted: true,
      latency: { ...latency, endOfSpeechToFirstAudioMs: 1100 },
    },
  ];

  it('breaks one answer down into its parts', () => {
    expect(formatLatency(latency)).toBe(
      '943 ms end of speech → first audio = speech recognition 372 ms + LLM first chunk 405 ms (first token 366 ms) + TTS first byte 161 ms + pipeline 5 ms',
    );
  });

  it('prints each line, the latency under each answer, and a summary', () => {
    const text = formatConversation({
      callSid: 'CA01',
      from: '+14155550123',
      to: '+15005550006',
      turns,
      outcome: 'completed',
      note: 'simulated timings',
    });
    expect(text.split('\n')).toEqual([
      'call CA01: +14155550123 → +15005550006',
      '',
      'agent   Hi, how can I help?',
      'caller  Where is my order?',
      'agent   It ships tomorrow.',
      `        latency: ${formatLatency(latency)}`,
      'caller  Thanks.',
      'agent   You are  [interrupted]',
      `        latency: ${formatLatency({ ...latency, endOfSpeechToFirstAudioMs: 1100 })}`,
      '',
      '2 answers: end of speech → first audio mean 1022 ms, best 943 ms, worst 1100 ms',
      'outcome: completed',
      'simulated timings',
      '',
    ]);
  });

  it('says so when no answer has latency figures', () => {
    const text = formatConversation({ callSid: 'CA02', from: '+1', to: '+2', turns: [turns[0]!] });
    expect(text).toContain('no answer carries latency figures');
    expect(text).not.toContain('outcome:');
  });
});
