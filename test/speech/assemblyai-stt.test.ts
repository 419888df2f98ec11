/**
 * AssemblyAiStt through the real `assemblyai` SDK against the streaming emulator: turns, ordering,
 * auth, a socket dropped mid-utterance (reconnect + replay → still one turn), finalization delay,
 * give-up after failed reconnects, graceful close.
 */
import { performance } from 'node:perf_hooks';
import { AssemblyAiStt, type AssemblyAiSttOptions } from '../../src/speech/assemblyai-stt';
import { ProviderError } from '../../src/providers/provider-error';
import { SttError, type SttSession, type SttSessionEvents, type SttTurn } from '../../src/speech/stt';
import { createLogger } from '../../src/observability/logger';
import {
  AssemblyAiStreamingEmulator,
  DEFAULT_STREAMING_API_KEY,
  mulawFrames,
  silenceMulaw,
  speechMulaw,
} from '../../devstack/emulators/assemblyai-streaming';
import { rejection } from '../harness/rejection';

interface Heard {
  speechStarted: number;
  partials: string[];
  turns: SttTurn[];
  errors: SttError[];
}

function listeners(): { events: SttSessionEvents; heard: Heard } {
  const heard: Heard = { speechStarted: 0, partials: [], turns: [], errors: [] };
  return {
    heard,
    events: {
      speechStarted: () => heard.speechStarted++,
      partial: (text) => heard.partials.push(text),
      endOfTurn: (turn) => heard.turns.push(turn),
      error: (err) => heard.errors.push(err),
    },
  };
}

/** Twilio-style: 20 ms frames, with a breather now and then so sockets get serviced. */
async function feed(session: SttSession, audio: Buffer): Promise<void> {
  let n = 0;
  for (const frame of mulawFrames(audio)) {
    session.sendAudio(frame);
    if (++n % 10 === 0) await new Promise((r) => setImmediate(r));
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const utterance = (ms = 1200) => Buffer.concat([speechMulaw(ms), silenceMulaw(600)]);

describe('AssemblyAiStt', () => {
  const emulator = new AssemblyAiStreamingEmulator();
  const logger = createLogger('stt-test', process.env.STT_TEST_LOG ?? 'silent');
  let stt: AssemblyAiStt;
  const open: SttSession[] = [];

  function client(options: Partial<AssemblyAiSttOptions> = {}): AssemblyAiStt {
    return new AssemblyAiStt({ apiKey: DEFAULT_STREAMING_API_KEY, websocketBaseUrl: emulator.url, logger, ...options });
  }

  async function openSession(events: SttSessionEvents, on = stt): Promise<SttSession> {
    const session = await on.open(events, { callId: 'CA-test' });
    open.push(session);
    return session;
  }

  beforeAll(async () => {
    await emulator.start();
    stt = client({ reconnect: { baseDelayMs: 20, maxDelayMs: 100 } });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    emulator.reset();
  });
  afterAll(() => emulator.stop());

  it('reports speech, partials and the formatted final turn', async () => {
    emulator.script(['hello there how are you']);
    const { events, heard } = listeners();
    const session = await openSession(events);
    const before = performance.now();
    await feed(session, Buffer.concat([silenceMulaw(200), utterance()]));
    await until(() => heard.turns.length === 1);
    expect(heard.speechStarted).toBe(1);
    expect(heard.partials.slice(0, 2)).toEqual(['hello', 'hello there']);
    const [turn] = heard.turns;
    expect(turn!.transcript).toBe('Hello there how are you.');
    expect(turn!.receivedAt).toBeGreaterThan(before);
    expect(turn!.endOfTurnConfidence).toBeGreaterThan(0.5);
    const [record] = emulator.sessions;
    expect(record!.query).toEqual(
      expect.objectContaining({
        sample_rate: '8000',
        encoding: 'pcm_mulaw',
        format_turns: 'true',
        speech_model: 'universal-streaming-english',
      }),
    );
    // 20 ms frames went out as 50 ms messages (the emulator refuses anything under 50 ms).
    expect(record!.bytesReceived / record!.audioMessages).toBe(400);
  });

  it('delivers two utterances as two turns, in order, once each', async () => {
    emulator.script(['first question', 'second question']);
    const { events, heard } = listeners();
    const session = await openSession(events);
    await feed(session, Buffer.concat([utterance(800), utterance(900)]));
    await until(() => heard.turns.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(heard.turns.map((t) => t.transcript)).toEqual(['First question.', 'Second question.']);
    expect(heard.speechStarted).toBe(2);
  });

  it('rejects a wrong API key with a clear error that does not repeat the key', async () => {
    const { events, heard } = listeners();
    const error = await rejection(client({ apiKey: 'sk-wrong-secret' }).open(events));
    expect(error).toBeInstanceOf(SttError);
    expect((error as SttError).code).toBe(4001);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'stt', provider: 'assemblyai', retryable: false });
    expect((error as SttError).message).toMatch(/refused the credentials.*Not Authorized/);
    expect((error as SttError).message).not.toContain('sk-wrong-secret');
    // Not retried: the answer would not change.
    expect(emulator.sessions).toHaveLength(1);
    expect(heard.errors).toEqual([]);
  });

  it('survives a socket dropped mid-utterance: reconnects, replays, and the utterance is still one turn', async () => {
    emulator.script(['my order number is 42', 'thanks']);
    const { events, heard } = listeners();
    const session = await openSession(events);
    await feed(session, speechMulaw(700));
    await until(() => emulator.turns.length === 1);
    expect(emulator.dropActiveSessions()).toBe(1);
    // The caller keeps talking while the client reconnects.
    await feed(session, Buffer.concat([speechMulaw(600), silenceMulaw(600)]));
    await until(() => heard.turns.length === 1);
    expect(heard.turns[0]!.transcript).toBe('My order number is 42.');
    expect(heard.speechStarted).toBe(1);
    const [first, second] = emulator.sessions;
    expect(first!.endedBy).toBe('dropped');
    // The new session heard the whole utterance, not only its end.
    expect(second!.turns[0]!.speechStartAudioMs).toBe(0);
    expect(second!.turns[0]!.speechEndAudioMs).toBeGreaterThanOrEqual(1250);

    // And the session carries on normally afterwards.
    await feed(session, utterance(500));
    await until(() => heard.turns.length === 2);
    expect(heard.turns.map((t) => t.transcript)).toEqual(['My order number is 42.', 'Thanks.']);
    expect(heard.errors).toEqual([]);
  });

  it('does not repeat a finished turn after a reconnect', async () => {
    emulator.script(['one', 'two']);
    const { events, heard } = listeners();
    const session = await openSession(events);
    await feed(session, utterance(600));
    await until(() => heard.turns.length === 1);
    emulator.dropActiveSessions({ mode: 'close', code: 1011 });
    await feed(session, Buffer.concat([silenceMulaw(200), utterance(600)]));
    await until(() => heard.turns.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.turns.map((t) => t.transcript)).toEqual(['One.', 'Two.']);
  });

  it('honours the provider finalization delay (and measures from the end of speech)', async () => {
    emulator.configure({ finalizationMs: 150 });
    const { events, heard } = listeners();
    const session = await openSession(events);
    await feed(session, utterance(600));
    await until(() => heard.turns.length === 1);
    const turn = emulator.turns[0]!;
    expect(heard.turns[0]!.receivedAt - turn.endOfTurnDetectedAt!).toBeGreaterThanOrEqual(149);
    expect(heard.turns[0]!.receivedAt - turn.speechEndedAt!).toBeGreaterThanOrEqual(149);
  });

  it('gives up with an error after the configured number of failed reconnects', async () => {
    const { events, heard } = listeners();
    const session = await openSession(
      events,
      client({ reconnect: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } }),
    );
    emulator.failNextConnections(3, 1011);
    emulator.dropActiveSessions();
    await until(() => heard.errors.length === 1);
    expect(heard.errors[0]!.message).toMatch(/no connection after 3 attempts/);
    expect(heard.errors[0]).toMatchObject({ kind: 'stt', provider: 'assemblyai', retryable: true });
    expect(emulator.sessions).toHaveLength(4);
    // Dead sessions swallow input and close quietly.
    session.sendAudio(speechMulaw(100));
    await session.close();
  });

  it('closes gracefully: pending audio and the unfinished turn are delivered, then Terminate', async () => {
    emulator.script(['goodbye for now']);
    const { events, heard } = listeners();
    const session = await openSession(events);
    await feed(session, speechMulaw(610));
    await until(() => emulator.turns.length === 1);
    await session.close();
    expect(heard.turns.map((t) => t.transcript)).toEqual(['Goodbye for now.']);
    expect(emulator.sessions[0]!.controlMessages).toEqual(['Terminate']);
    expect(emulator.sessions[0]!.bytesReceived).toBe(5200);
    // Ignored after close, never thrown.
    session.sendAudio(speechMulaw(100));
    session.forceEndpoint();
    await session.close();
  });

  it('ends a turn on forceEndpoint and tolerates bad input and throwing listeners', async () => {
    emulator.script(['press one']);
    const { events, heard } = listeners();
    const session = await openSession(events, client());
    const throwing: SttSessionEvents = {
      ...events,
      partial: () => {
        throw new Error('listener bug');
      },
    };
    const other = await openSession(throwing);
    session.sendAudio(undefined as unknown as Uint8Array);
    session.sendAudio('not audio' as unknown as Uint8Array);
    await feed(session, speechMulaw(430));
    session.forceEndpoint();
    await until(() => heard.turns.length === 1);
    expect(heard.turns[0]!.transcript).toBe('Press one.');
    expect(emulator.turns[0]!.endedBy).toBe('force-endpoint');
    await feed(other, utterance(800));
    await until(() => heard.turns.length === 2);
  });
});
