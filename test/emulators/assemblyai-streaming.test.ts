/**
 * The streaming emulator through the real `assemblyai` SDK (and raw `ws` where the SDK would hide
 * the wire): Begin, energy-driven turns by audio time, auth, Terminate, faults, and many sessions.
 */
import { performance } from 'node:perf_hooks';
import {
  AssemblyAI,
  type SpeechStartedEvent,
  type StreamingTranscriber,
  type StreamingTranscriberParams,
  type TurnEvent,
} from 'assemblyai';
import WebSocket from 'ws';
import {
  AssemblyAiStreamingEmulator,
  DEFAULT_STREAMING_API_KEY,
  silenceMulaw,
  speechMulaw,
} from '../../devstack/emulators/assemblyai-streaming';
import { ensureTestCertificate } from '../../devstack/emulators/tls';
import { rejection } from '../harness/rejection';

const CHUNK_BYTES = 400; // 50 ms of 8 kHz mu-law

interface Collected {
  turns: TurnEvent[];
  speechStarted: number[];
  closes: number[];
}

function transcriber(
  url: string,
  extra: Partial<StreamingTranscriberParams> = {},
): { t: StreamingTranscriber; got: Collected } {
  const client = new AssemblyAI({ apiKey: DEFAULT_STREAMING_API_KEY });
  const t = client.streaming.transcriber({
    websocketBaseUrl: url,
    sampleRate: 8000,
    encoding: 'pcm_mulaw',
    speechModel: 'universal-streaming-english',
    formatTurns: true,
    maxConnectionRetries: 0,
    ...extra,
  });
  const got: Collected = { turns: [], speechStarted: [], closes: [] };
  t.on('turn', (turn) => got.turns.push(turn));
  // The SDK dispatches SpeechStarted but its typings lack the overload.
  (t.on.bind(t) as unknown as (e: 'speechStarted', l: (event: SpeechStartedEvent) => void) => void)(
    'speechStarted',
    (event) => got.speechStarted.push(event.timestamp),
  );
  t.on('close', (code) => got.closes.push(code));
  t.on('error', () => undefined);
  return { t, got };
}

function send(t: StreamingTranscriber, audio: Buffer): void {
  for (let i = 0; i < audio.length; i += CHUNK_BYTES) {
    const chunk = audio.subarray(i, i + CHUNK_BYTES);
    t.sendAudio(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length));
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const finals = (got: Collected) => got.turns.filter((t) => t.end_of_turn && t.turn_is_formatted);

describe('AssemblyAI streaming emulator', () => {
  const emulator = new AssemblyAiStreamingEmulator();
  let url: string;

  beforeAll(async () => {
    url = await emulator.start();
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.stop());

  it('serves wss on /v3/ws and says Begin', async () => {
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v3\/ws$/);
    const { t } = transcriber(url);
    const begin = await t.connect();
    expect(begin.type).toBe('Begin');
    expect(begin.id).toMatch(/^[0-9a-f-]{36}$/);
    await t.close();
    const session = emulator.sessions[0]!;
    expect(session.auth).toEqual({ method: 'apiKey', credential: DEFAULT_STREAMING_API_KEY, accepted: true });
    expect(session.query).toEqual(
      expect.objectContaining({
        sample_rate: '8000',
        encoding: 'pcm_mulaw',
        speech_model: 'universal-streaming-english',
        format_turns: 'true',
      }),
    );
    expect(session.endedBy).toBe('terminated');
  });

  it('turns speech into SpeechStarted, growing partials, then an unformatted and a formatted final', async () => {
    emulator.script(['my order number is 42']);
    const { t, got } = transcriber(url);
    await t.connect();
    send(t, Buffer.concat([silenceMulaw(300), speechMulaw(1500), silenceMulaw(600)]));
    await until(() => finals(got).length === 1);
    expect(got.speechStarted).toHaveLength(1);
    expect(got.speechStarted[0]).toBeGreaterThanOrEqual(280);
    expect(got.speechStarted[0]).toBeLessThanOrEqual(340);
    const partials = got.turns.filter((turn) => !turn.end_of_turn).map((turn) => turn.transcript);
    expect(partials.slice(0, 3)).toEqual(['my', 'my order', 'my order number']);
    const [unformatted, formatted] = got.turns.filter((turn) => turn.end_of_turn);
    expect(unformatted).toEqual(
      expect.objectContaining({ turn_order: 0, turn_is_formatted: false, transcript: 'my order number is 42' }),
    );
    expect(formatted).toEqual(
      expect.objectContaining({ turn_order: 0, turn_is_formatted: true, transcript: 'My order number is 42.' }),
    );
    expect(formatted!.words.map((w) => w.text)).toEqual(['My', 'order', 'number', 'is', '42.']);
    expect(formatted!.words.at(-1)!.end).toBeLessThanOrEqual(1800);
    await t.close();
    const [session] = emulator.sessions;
    expect(session!.bytesReceived).toBe(2400 * 8);
    expect(session!.audioMs).toBe(2400);
    const turn = session!.turns[0]!;
    expect(turn.speechStartAudioMs).toBeGreaterThanOrEqual(280);
    expect(turn.speechEndAudioMs).toBeGreaterThan(1700);
    expect(turn.speechEndAudioMs).toBeLessThanOrEqual(1800);
    expect(turn.endedBy).toBe('silence');
    expect(turn.endOfTurnSentAt).toBeGreaterThanOrEqual(turn.speechEndedAt!);
  });

  it('numbers turns, takes the script in order, and honours ForceEndpoint and min_turn_silence', async () => {
    emulator.script(['first one', 'second one', 'third one']);
    const { t, got } = transcriber(url, { minTurnSilence: 800 });
    await t.connect();
    // 600 ms of silence is not enough for this connection (800 ms).
    send(t, Buffer.concat([speechMulaw(500), silenceMulaw(600), speechMulaw(500), silenceMulaw(900)]));
    await until(() => finals(got).length === 1);
    expect(finals(got)[0]!.transcript).toBe('First one.');
    send(t, speechMulaw(400));
    t.forceEndpoint();
    await until(() => finals(got).length === 2);
    expect(finals(got).map((turn) => [turn.turn_order, turn.transcript])).toEqual([
      [0, 'First one.'],
      [1, 'Second one.'],
    ]);
    await t.close();
    expect(emulator.sessions[0]!.minTurnSilenceMs).toBe(800);
    expect(emulator.turns.map((turn) => turn.endedBy)).toEqual(['silence', 'force-endpoint']);
    expect(emulator.sessions[0]!.controlMessages).toEqual(['ForceEndpoint', 'Terminate']);
  });

  it('finishes an unfinished turn on Terminate, then says Termination and closes 1000', async () => {
    emulator.script(['cut short']);
    const { t, got } = transcriber(url);
    await t.connect();
    send(t, speechMulaw(600));
    await until(() => got.speechStarted.length === 1);
    await t.close();
    expect(finals(got).map((turn) => turn.transcript)).toEqual(['Cut short.']);
    await until(() => emulator.sessions[0]!.closeCode !== undefined);
    expect(emulator.sessions[0]!.closeCode).toBe(1000);
    expect(emulator.turns[0]!.endedBy).toBe('terminate');
  });

  it('rejects a wrong API key with 4001 and an unknown token', async () => {
    const { t } = transcriber(url, { apiKey: 'wrong-key' });
    const error = (await rejection(t.connect())) as Error & { code?: number };
    expect(error.message).toBe('Not Authorized');
    expect(error.code).toBe(4001);
    expect(emulator.sessions[0]!.auth).toEqual({ method: 'apiKey', credential: 'wrong-key', accepted: false });

    const client = new AssemblyAI({ apiKey: 'unused' });
    const withToken = (token: string) =>
      client.streaming.transcriber({
        websocketBaseUrl: url,
        token,
        sampleRate: 8000,
        encoding: 'pcm_mulaw',
        maxConnectionRetries: 0,
      });
    expect(((await rejection(withToken('tmp_unknown').connect())) as { code?: number }).code).toBe(4001);
    const good = withToken(emulator.createTemporaryToken());
    await good.connect();
    await good.close();
    expect(emulator.sessions[2]!.auth.method).toBe('token');
  });

  it('delays the final by finalizationMs of wall clock, and every message by latencyMs', async () => {
    emulator.configure({ finalizationMs: 150 });
    const { t, got } = transcriber(url);
    await t.connect();
    let finalAt = 0;
    t.on('turn', (turn) => {
      if (turn.end_of_turn && turn.turn_is_formatted) finalAt = performance.now();
    });
    send(t, Buffer.concat([speechMulaw(600), silenceMulaw(500)]));
    await until(() => finalAt > 0);
    const turn = emulator.turns[0]!;
    expect(turn.endOfTurnSentAt! - turn.endOfTurnDetectedAt!).toBeGreaterThanOrEqual(149);
    expect(finalAt - turn.endOfTurnDetectedAt!).toBeGreaterThanOrEqual(149);
    await t.close();
    expect(got.closes).toEqual([]);

    emulator.configure({ finalizationMs: 0, latencyMs: 80 });
    const slow = transcriber(url).t;
    const before = performance.now();
    await slow.connect();
    expect(performance.now() - before).toBeGreaterThanOrEqual(79);
    await slow.close();
  });

  it('closes with 3007 on audio messages outside 50..1000 ms, like the service', async () => {
    const { t } = transcriber(url);
    await t.connect();
    const closed = new Promise<number>((resolve) => t.on('close', (code) => resolve(code)));
    const frame = silenceMulaw(20);
    t.sendAudio(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length));
    expect(await closed).toBe(3007);
    expect(emulator.sessions[0]!.endedBy).toBe('protocol-error');
    await t.close(false);
  });

  it('drops sessions abruptly, gives the cut-off turn back to the script, and fails connections on demand', async () => {
    emulator.script(['dropped words', 'later words']);
    const { t, got } = transcriber(url);
    await t.connect();
    send(t, speechMulaw(600));
    await until(() => got.speechStarted.length === 1);
    expect(emulator.dropActiveSessions()).toBe(1);
    await until(() => got.closes.length === 1);
    expect(got.closes).toEqual([1006]);
    expect(emulator.turns[0]).toEqual(expect.objectContaining({ aborted: true }));
    expect(emulator.transcripts.remaining).toEqual(['Dropped words.', 'later words']);
    await t.close(false);

    emulator.failNextConnections(1, 4029, 'Client sent audio too fast');
    const limited = (await rejection(transcriber(url).t.connect())) as { code?: number; message: string };
    expect(limited).toEqual(expect.objectContaining({ code: 4029, message: 'Client sent audio too fast' }));

    emulator.failNextConnections(1, 503);
    const unavailable = (await rejection(transcriber(url).t.connect())) as Error;
    expect(unavailable.message).toMatch(/503/);

    const again = transcriber(url);
    await again.t.connect();
    send(again.t, Buffer.concat([speechMulaw(600), silenceMulaw(500)]));
    await until(() => finals(again.got).length === 1);
    expect(finals(again.got)[0]!.transcript).toBe('Dropped words.');
    await again.t.close();
  });

  it('also takes pcm_s16le and keeps sessions on the path and port only', async () => {
    const { t, got } = transcriber(url, { encoding: 'pcm_s16le' });
    await t.connect();
    // 16-bit PCM of a loud square-ish wave, then silence, in odd-sized messages (split samples).
    const samples = 8000 * 0.6;
    const pcm = Buffer.alloc(samples * 2 + 8000 * 0.5 * 2);
    for (let i = 0; i < samples; i++) pcm.writeInt16LE(i % 40 < 20 ? 6000 : -6000, i * 2);
    for (let i = 0; i < pcm.length; i += 1601) {
      const part = pcm.subarray(i, i + 1601);
      t.sendAudio(part.buffer.slice(part.byteOffset, part.byteOffset + part.length));
    }
    await until(() => finals(got).length === 1);
    expect(emulator.sessions[0]!.audioMs).toBeCloseTo(1100, 0);
    await t.close();

    const { cert } = await ensureTestCertificate();
    const wrongPath = new WebSocket(url.replace('/v3/ws', '/v2/realtime/ws'), {
      ca: cert,
      headers: { Authorization: DEFAULT_STREAMING_API_KEY },
    });
    const status = await new Promise<number | undefined>((resolve) => {
      wrongPath.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      wrongPath.on('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
  });

  it('carries 200 concurrent sessions', async () => {
    const count = 200;
    const sessions = await Promise.all(
      Array.from({ length: count }, () => transcriber(url, { connectTimeout: 10_000 })).map(
        async (s) => (await s.t.connect(), s),
      ),
    );
    const audio = Buffer.concat([speechMulaw(1000), silenceMulaw(500)]);
    const started = performance.now();
    for (let i = 0; i < audio.length; i += CHUNK_BYTES) {
      for (const { t } of sessions) send(t, audio.subarray(i, i + CHUNK_BYTES));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => sessions.every(({ got }) => finals(got).length === 1), 20_000);
    const elapsed = performance.now() - started;
    await Promise.all(sessions.map(({ t }) => t.close()));
    expect(emulator.turns).toHaveLength(count);
    // 200 × 1.5 s of audio processed in well under real time.
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);
});
