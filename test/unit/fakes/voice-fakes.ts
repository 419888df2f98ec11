/**
 * In-memory stand-ins for everything around the voice loop: an STT session the test drives, a
 * scripted streaming model, a TTS that returns bytes at once, a recording reporter and "Twilio".
 */
import type { ChatRequest } from '../../../src/agent/chat-model';
import type { ChatStreamEvent, StreamingChatModel } from '../../../src/agent/streaming-chat-model';
import { encodeMulaw } from '../../../src/audio/mulaw';
import { loadConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/schema';
import { defaultAgentFrom } from '../../../src/agents/default-agent';
import { resolveAgent, type ResolvedAgent } from '../../../src/agents/resolved-agent';
import type { FallbackKind, VoiceMetrics } from '../../../src/observability/metrics';
import { createLogger } from '../../../src/observability/logger';
import type { CallEvents } from '../../../src/realtime/call-events';
import type { SpeechToText, SttSession, SttSessionEvents } from '../../../src/speech/stt';
import type { TextToSpeech } from '../../../src/speech/tts';
import type { CallTurn, StreamEnded, ToolRequest } from '../../../src/voice/call-types';
import type { ToolOutcome } from '../../../src/agents/tool-calls';

/** Audio bytes per character of text: 10 ms of speech each. */
export const BYTES_PER_CHAR = 80;

export function testConfig(): Config {
  const config = loadConfig({});
  config.voice.fillerAfterMs = 20;
  return config;
}

/** The default agent of a test configuration (its greeting, filler and fallback are the config's). */
export function testAgent(config: Config): ResolvedAgent {
  return resolveAgent(defaultAgentFrom(config), 1, config);
}

export const silentLog = createLogger('voice-test', 'silent');

export class FakeStt implements SpeechToText {
  events?: SttSessionEvents;
  audioBytes = 0;
  closed = false;

  async open(events: SttSessionEvents): Promise<SttSession> {
    this.events = events;
    return {
      sendAudio: (mulaw) => void (this.audioBytes += mulaw.length),
      forceEndpoint: () => undefined,
      close: async () => void (this.closed = true),
    };
  }

  say(transcript: string, receivedAt = 0): void {
    this.events!.endOfTurn({ transcript, receivedAt });
  }
}

/** One reply per call to `stream`: a list of events, or a function of the request and signal. */
export type Reply =
  ChatStreamEvent[] | ((request: ChatRequest, signal: AbortSignal) => AsyncIterable<ChatStreamEvent> | Promise<never>);

export class FakeModel implements StreamingChatModel {
  readonly requests: ChatRequest[] = [];
  readonly signals: AbortSignal[] = [];

  constructor(private readonly replies: Reply[]) {}

  async *stream(request: ChatRequest, { signal }: { signal: AbortSignal }): AsyncGenerator<ChatStreamEvent> {
    this.requests.push(structuredClone(request));
    this.signals.push(signal);
    const reply = this.replies.shift() ?? [text('Okay.')];
    if (Array.isArray(reply)) {
      for (const event of reply) {
        await Promise.resolve();
        if (signal.aborted) return;
        yield event;
      }
      return;
    }
    yield* await reply(request, signal);
  }
}

export const text = (t: string): ChatStreamEvent => ({ type: 'text', text: t });

/** A model reply that says `first` and then waits, until the turn is aborted. */
export function untilAborted(first: string): Reply {
  return async function* (_request, signal) {
    yield text(first);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  };
}

export class FakeTts implements TextToSpeech {
  readonly texts: string[] = [];
  /** Fails the synthesis of any text this returns an error for. */
  failWith?: (text: string) => Error | undefined;

  async *synthesize(text: string, { signal }: { signal: AbortSignal }): AsyncGenerator<Buffer> {
    this.texts.push(text);
    await Promise.resolve();
    const failure = this.failWith?.(text);
    if (failure) throw failure;
    if (signal.aborted) return;
    yield Buffer.alloc(text.length * BYTES_PER_CHAR, 0xff);
  }
}

export class FakeReporter implements CallEvents {
  readonly turns: CallTurn[] = [];
  readonly digits: string[] = [];
  readonly tools: ToolRequest[] = [];
  endedWith?: StreamEnded;
  toolAnswer: (request: ToolRequest) => Promise<ToolOutcome> = async () => ({ ok: true, result: 'done' });

  streamStarted(): void {}
  turn(turn: CallTurn): void {
    this.turns.push(turn);
  }
  dtmf(digits: string): void {
    this.digits.push(digits);
  }
  ended(end: StreamEnded): void {
    this.endedWith = end;
  }
  runTool(request: ToolRequest): Promise<ToolOutcome> {
    this.tools.push(request);
    return this.toolAnswer(request);
  }
  async flush(): Promise<void> {}

  agentTurn(turnId: number): CallTurn | undefined {
    return this.turns.find((t) => t.role === 'agent' && t.turnId === turnId);
  }
}

export class FakeMetrics implements VoiceMetrics {
  readonly fallbacks: FallbackKind[] = [];
  bargeIns = 0;
  readonly latencies: unknown[] = [];
  recordTurn(latency: unknown): void {
    this.latencies.push(latency);
  }
  callStarted(): void {}
  callEnded(): void {}
  bargeIn(): void {
    this.bargeIns++;
  }
  fallback(kind: FallbackKind): void {
    this.fallbacks.push(kind);
  }
}

/** What the session sent to Twilio, decoded. */
export interface SentFrame {
  event: string;
  mark?: string;
  bytes?: number;
}

export function decodeFrame(frame: string): SentFrame {
  const m = JSON.parse(frame) as { event: string; mark?: { name: string }; media?: { payload: string } };
  return {
    event: m.event,
    ...(m.mark ? { mark: m.mark.name } : {}),
    ...(m.media ? { bytes: Buffer.from(m.media.payload, 'base64').length } : {}),
  };
}

/** `ms` of loud 400 Hz tone: voiced to the barge-in detector. */
export function voiced(ms: number): Buffer {
  const samples = Array.from({ length: ms * 8 }, (_, i) =>
    Math.round(10_000 * Math.sin((2 * Math.PI * 400 * i) / 8000)),
  );
  return encodeMulaw(samples);
}

/** Waits (real time, briefly) until `probe` holds. */
export async function until(what: string, probe: () => unknown, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
