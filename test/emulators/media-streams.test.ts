/**
 * The Media Streams caller emulator against a tiny WebSocket server playing the app's role:
 * wire shapes, real-time pacing, playback/mark/clear semantics, and the generated audio.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeMulaw, mulawRms, MULAW_FRAME_BYTES } from '../../src/audio/mulaw';
import { cough, frames, silence, speech, voicedFrameRatio } from '../../devstack/emulators/audio';
import {
  MediaStreamsCaller,
  MediaStreamsConnectError,
  type MediaStreamsConnectOptions,
  type TwilioToAppMessage,
} from '../../devstack/emulators/media-streams';
import { closeNow } from '../../devstack/emulators/shared/listen';

interface AppSide {
  socket: WebSocket;
  headers: IncomingHttpHeaders;
  url: string | undefined;
  messages: { at: number; message: TwilioToAppMessage }[];
  closed: Promise<{ code: number; at: number }>;
  send(message: object): void;
  media(): { at: number; message: Extract<TwilioToAppMessage, { event: 'media' }> }[];
}

/** The app's role: accepts the stream and records every message with its arrival time. */
async function startAppServer(options: { refuseWith?: number } = {}) {
  const server = http.createServer();
  const wss = new WebSocketServer({
    server,
    verifyClient: (_info, callback) => (options.refuseWith ? callback(false, options.refuseWith) : callback(true)),
  });
  const connections: AppSide[] = [];
  /** Connections are matched to dials by a test header, since concurrent handshakes finish in any order. */
  const waiting = new Map<string, (side: AppSide) => void>();
  wss.on('connection', (socket, request) => {
    const messages: AppSide['messages'] = [];
    socket.on('message', (data) =>
      messages.push({
        at: performance.now(),
        message: JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '') as TwilioToAppMessage,
      }),
    );
    const side: AppSide = {
      socket,
      headers: request.headers,
      url: request.url,
      messages,
      closed: new Promise((resolve) => socket.once('close', (code) => resolve({ code, at: performance.now() }))),
      send: (message) => socket.send(JSON.stringify(message)),
      media: () =>
        messages.filter(
          (m): m is { at: number; message: Extract<TwilioToAppMessage, { event: 'media' }> } =>
            m.message.event === 'media',
        ),
    };
    connections.push(side);
    const id = String(request.headers['x-test-dial-id']);
    waiting.get(id)?.(side);
    waiting.delete(id);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/media`;
  return {
    url,
    connections,
    /** The connection that will carry header x-test-dial-id: `id`. */
    connectionFor: (id: string): Promise<AppSide> => new Promise((resolve) => waiting.set(id, resolve)),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await closeNow(server);
    },
  };
}

type AppServer = Awaited<ReturnType<typeof startAppServer>>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const OPTIONS: MediaStreamsConnectOptions = {
  accountSid: 'AC' + 'a'.repeat(32),
  callSid: 'CA' + 'b'.repeat(32),
  streamSid: 'MZ' + 'c'.repeat(32),
  customParameters: { tenant: 'acme', agentId: 'support' },
  headers: { 'X-Twilio-Signature': 'test-signature' },
};

describe('MediaStreamsCaller', () => {
  let app: AppServer;
  const callers: MediaStreamsCaller[] = [];
  let dials = 0;

  async function dial(
    options: Partial<MediaStreamsConnectOptions> = {},
  ): Promise<{ caller: MediaStreamsCaller; side: AppSide }> {
    const id = String(++dials);
    const connection = app.connectionFor(id);
    const caller = await MediaStreamsCaller.connect(app.url, {
      ...OPTIONS,
      ...options,
      headers: { ...OPTIONS.headers, 'x-test-dial-id': id },
    });
    callers.push(caller);
    return { caller, side: await connection };
  }

  beforeEach(async () => {
    app = await startAppServer();
  });

  afterEach(async () => {
    await Promise.all(callers.splice(0).map((caller) => caller.drop()));
    await app.close();
  });

  it('opens with the signature header, then connected and start in Twilio shape', async () => {
    const { caller, side } = await dial();
    await caller.waitUntil(() => side.messages.length >= 3);
    expect(side.headers['x-twilio-signature']).toBe('test-signature');
    expect(side.url).toBe('/media');
    const [connected, start, firstMedia] = side.messages.map((m) => m.message);
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toEqual({
      event: 'start',
      sequenceNumber: '1',
      streamSid: OPTIONS.streamSid,
      start: {
        accountSid: OPTIONS.accountSid,
        streamSid: OPTIONS.streamSid,
        callSid: OPTIONS.callSid,
        tracks: ['inbound'],
        customParameters: { tenant: 'acme', agentId: 'support' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(firstMedia).toEqual({
      event: 'media',
      sequenceNumber: '2',
      streamSid: OPTIONS.streamSid,
      media: { track: 'inbound', chunk: '1', timestamp: '0', payload: expect.any(String) as string },
    });
  });

  it('generates a stream SID when none is given', async () => {
    const { caller } = await dial({ streamSid: undefined });
    expect(caller.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
  });

  it('sends a 160-byte frame every 20 ms in real time, silence when the caller is quiet', async () => {
    const { side } = await dial();
    await sleep(100); // let the first frames settle
    const from = performance.now();
    await sleep(1000);
    const to = performance.now();
    const media = side.media();
    const inWindow = media.filter((m) => m.at >= from && m.at < to);
    expect(inWindow.length).toBeGreaterThanOrEqual(45);
    expect(inWindow.length).toBeLessThanOrEqual(55);
    media.forEach(({ message }, i) => {
      expect(message.media.chunk).toBe(String(i + 1));
      expect(message.media.timestamp).toBe(String(i * 20));
      expect(message.sequenceNumber).toBe(String(i + 2));
      const bytes = Buffer.from(message.media.payload, 'base64');
      expect(bytes).toHaveLength(MULAW_FRAME_BYTES);
      expect(mulawRms(bytes)).toBe(0);
    });
    // Paced against the stream start, not against the previous frame: no drift over the second.
    const last = media[media.length - 1]!;
    const first = media[0]!;
    const expectedSpan = (Number(last.message.media.chunk) - 1) * 20;
    expect(Math.abs(last.at - first.at - expectedSpan)).toBeLessThan(30);
  });

  it('sends scripted speech in real time and resolves say() at the end of speech', async () => {
    const { caller, side } = await dial();
    const audio = speech(600, 7);
    await sleep(60); // the clock catches up on frames the synthesis held back
    const began = performance.now();
    const voicedEnd = await caller.say(audio);
    // 30 frames: the first within a tick, the last 29 frames (580 ms) later.
    expect(voicedEnd - began).toBeGreaterThan(575);
    expect(voicedEnd - began).toBeLessThan(640);
    await caller.pause(100);
    const sent = Buffer.concat(side.media().map((m) => Buffer.from(m.message.media.payload, 'base64')));
    // The exact speech bytes went out, frame-aligned, surrounded by silence.
    const at = sent.indexOf(audio.subarray(0, MULAW_FRAME_BYTES));
    expect(at % MULAW_FRAME_BYTES).toBe(0);
    expect(sent.subarray(at, at + audio.length).equals(audio)).toBe(true);
    expect(mulawRms(sent.subarray(at + audio.length, at + audio.length + MULAW_FRAME_BYTES))).toBe(0);
    expect(caller.utterances).toHaveLength(1);
    expect(caller.utterances[0]!.voicedEndAt).toBe(voicedEnd);
  });

  it('queues utterances and pauses in order', async () => {
    const { caller } = await dial();
    const first = caller.say({ durationMs: 200, seed: 1 });
    const pause = caller.pause(200);
    const second = caller.say({ durationMs: 200, seed: 2 });
    const [a, , b] = await Promise.all([first, pause, second]);
    expect(b).toBeGreaterThan(a);
    // 10 frames each, with exactly 10 silent frames between them.
    const [u1, u2] = caller.utterances;
    expect([u1!.firstChunk, u1!.lastChunk + 11, u2!.firstChunk, u2!.lastChunk - u2!.firstChunk]).toEqual([
      u1!.firstChunk,
      u2!.firstChunk,
      u2!.firstChunk,
      9,
    ]);
  });

  it('plays app audio at real-time rate and echoes a mark once the audio before it has played', async () => {
    const { caller, side } = await dial();
    // 400 ms in uneven chunks, as a TTS stream would send it.
    const audio = speech(400, 3);
    const sentAt = performance.now();
    for (const chunk of [audio.subarray(0, 1000), audio.subarray(1000, 1100), audio.subarray(1100)]) {
      side.send({ event: 'media', streamSid: OPTIONS.streamSid, media: { payload: chunk.toString('base64') } });
    }
    side.send({ event: 'mark', streamSid: OPTIONS.streamSid, mark: { name: 'sentence-1' } });
    await caller.waitUntil(() => side.messages.some((m) => m.message.event === 'mark'), 2000);
    const echo = side.messages.find((m) => m.message.event === 'mark')!;
    expect(echo.at - sentAt).toBeGreaterThan(390);
    // On the caller's own clock (no loopback delays): played out, then echoed within a tick or two
    // (the bound allows a loaded machine's late timers; an echo before the audio ends fails the check above).
    const played = caller.played;
    expect(played[played.length - 1]!.endAt - played[0]!.startAt).toBeCloseTo(400, 5);
    expect(played[0]!.startAt).toBe(caller.media[0]!.at);
    expect(caller.marks[0]!.at - played[played.length - 1]!.endAt).toBeGreaterThanOrEqual(0);
    expect(caller.marks[0]!.at - played[played.length - 1]!.endAt).toBeLessThan(150);
    expect(echo.message).toEqual({
      event: 'mark',
      streamSid: OPTIONS.streamSid,
      sequenceNumber: expect.stringMatching(/^\d+$/) as string,
      mark: { name: 'sentence-1' },
    });
    expect(caller.marks).toEqual([
      {
        name: 'sentence-1',
        reason: 'played',
        at: expect.any(Number) as number,
        queuedAt: expect.any(Number) as number,
      },
    ]);
    expect(caller.playedAudio().equals(audio)).toBe(true);
    expect(caller.media.map((m) => m.bytes.length)).toEqual([1000, 100, audio.length - 1100]);
    expect(caller.playbackGaps()).toEqual([]);
  });

  it('echoes a mark at once when nothing is buffered', async () => {
    const { caller, side } = await dial();
    const sentAt = performance.now();
    side.send({ event: 'mark', streamSid: OPTIONS.streamSid, mark: { name: 'empty' } });
    await caller.waitUntil(() => side.messages.some((m) => m.message.event === 'mark'), 1000);
    expect(caller.marks[0]!.at).toBe(caller.marks[0]!.queuedAt); // echoed as it arrived
    expect(side.messages.find((m) => m.message.event === 'mark')!.at - sentAt).toBeLessThan(100);
  });

  it('clear drops the buffer and echoes every pending mark immediately', async () => {
    const { caller, side } = await dial();
    const audio = speech(2000, 5);
    side.send({
      event: 'media',
      streamSid: OPTIONS.streamSid,
      media: { payload: audio.subarray(0, 8000).toString('base64') },
    });
    side.send({ event: 'mark', streamSid: OPTIONS.streamSid, mark: { name: 'a' } });
    side.send({
      event: 'media',
      streamSid: OPTIONS.streamSid,
      media: { payload: audio.subarray(8000).toString('base64') },
    });
    side.send({ event: 'mark', streamSid: OPTIONS.streamSid, mark: { name: 'b' } });
    await sleep(300);
    const clearedAt = performance.now();
    side.send({ event: 'clear', streamSid: OPTIONS.streamSid });
    await caller.waitUntil(() => side.messages.filter((m) => m.message.event === 'mark').length === 2, 1000);
    const arrived = side.messages.filter((m) => m.message.event === 'mark');
    expect(arrived.map((m) => (m.message as { mark: { name: string } }).mark.name)).toEqual(['a', 'b']);
    expect(caller.marks.map((m) => m.at)).toEqual([caller.clears[0], caller.clears[0]]); // echoed as the clear arrived
    expect(arrived[1]!.at - clearedAt).toBeLessThan(150);
    expect(caller.marks.map((m) => [m.name, m.reason])).toEqual([
      ['a', 'cleared'],
      ['b', 'cleared'],
    ]);
    expect(caller.clears).toHaveLength(1);
    const playedBytes = caller.playedAudio().length;
    expect(playedBytes).toBeGreaterThan(280 * 8);
    expect(playedBytes).toBeLessThan(360 * 8);
    expect(caller.dropped).toHaveLength(1);
    expect(playedBytes + caller.dropped[0]!.bytes.length).toBe(audio.length);
    expect(caller.bufferedBytes).toBe(0);
    // Nothing plays after the clear.
    await sleep(60);
    expect(caller.playedAudio().length).toBe(playedBytes);
    expect(caller.playbackGaps()).toEqual([]);
  });

  it('reports underruns inside a response, but not pauses between responses or after a clear', async () => {
    const { caller, side } = await dial();
    const send = (ms: number) =>
      side.send({
        event: 'media',
        streamSid: OPTIONS.streamSid,
        media: { payload: silence(ms).fill(0x7f).toString('base64') },
      });
    send(100);
    await sleep(250); // 150 ms with nothing to play
    send(100);
    await sleep(150);
    await caller.say({ durationMs: 100, seed: 1 }); // a new caller turn: the next audio is a new response
    await sleep(100);
    send(60);
    await sleep(100);
    const gaps = caller.playbackGaps();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.responseIndex).toBe(0);
    expect(gaps[0]!.durationMs).toBeGreaterThan(120);
    expect(gaps[0]!.durationMs).toBeLessThan(220);
  });

  it('records firstAudioAfter and audioReceivedAfter', async () => {
    const { caller, side } = await dial();
    const speechEnd = await caller.say({ durationMs: 100, seed: 9 });
    expect(caller.firstAudioAfter(speechEnd)).toBeUndefined();
    side.send({
      event: 'media',
      streamSid: OPTIONS.streamSid,
      media: { payload: Buffer.from([1, 2, 3]).toString('base64') },
    });
    await caller.waitUntil(() => caller.media.length === 1, 1000);
    expect(caller.firstAudioAfter(speechEnd)).toBe(caller.media[0]!.at);
    expect(caller.audioReceivedAfter(speechEnd)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('records protocol errors instead of acting on bad messages', async () => {
    const { caller, side } = await dial();
    side.send({ event: 'media', streamSid: 'MZwrong', media: { payload: 'AAAA' } });
    side.send({ event: 'media', streamSid: OPTIONS.streamSid, media: { payload: 'not base64!' } });
    side.send({ event: 'hello', streamSid: OPTIONS.streamSid });
    side.socket.send('{nope');
    await caller.waitUntil(() => caller.received.length === 4, 1000);
    expect(caller.protocolErrors.map((e) => e.reason)).toEqual([
      expect.stringContaining('streamSid') as string,
      'media.payload is not valid base64',
      'unknown event "hello"',
      'not JSON',
    ]);
    expect(caller.media).toHaveLength(0);
    expect(caller.received.every((m) => !m.valid)).toBe(true);
  });

  it('sends dtmf, and stop on hangup before closing', async () => {
    const { caller, side } = await dial();
    caller.dtmf('5');
    expect(() => caller.dtmf('x')).toThrow(/DTMF/);
    const info = await caller.hangup();
    expect(info.by).toBe('hangup');
    const { code } = await side.closed;
    expect(code).toBe(1000);
    const events = side.messages.map((m) => m.message);
    const dtmf = events.find((m) => m.event === 'dtmf')!;
    expect(dtmf).toEqual({
      event: 'dtmf',
      streamSid: OPTIONS.streamSid,
      sequenceNumber: expect.stringMatching(/^\d+$/) as string,
      dtmf: { track: 'inbound_track', digit: '5' },
    });
    const stop = events[events.length - 1]!;
    expect(stop).toEqual({
      event: 'stop',
      sequenceNumber: String(events.length - 1),
      streamSid: OPTIONS.streamSid,
      stop: { accountSid: OPTIONS.accountSid, callSid: OPTIONS.callSid },
    });
    // Sequence numbers run across every message after `connected`.
    expect(events.slice(1).map((m) => (m as { sequenceNumber: string }).sequenceNumber)).toEqual(
      events.slice(1).map((_, i) => String(i + 1)),
    );
    const count = side.messages.length;
    await sleep(60);
    expect(side.messages.length).toBe(count);
  });

  it('drop() closes the connection without stop', async () => {
    const { caller, side } = await dial();
    const pending = caller.say({ durationMs: 2000, seed: 1 });
    await sleep(100);
    const info = await caller.drop();
    expect(info.by).toBe('drop');
    const { code } = await side.closed;
    expect(code).toBe(1006);
    expect(side.messages.some((m) => m.message.event === 'stop')).toBe(false);
    await expect(pending).rejects.toThrow(/call ended/);
  });

  it('notices the app closing the stream', async () => {
    const { caller, side } = await dial();
    side.socket.close(1011, 'bye');
    const info = await caller.closed;
    expect(info).toMatchObject({ code: 1011, reason: 'bye', by: 'app' });
    expect(caller.isOpen).toBe(false);
  });

  it('keeps 200 concurrent callers on pace with one shared ticker', async () => {
    // Calls arrive in waves, as they would; each starts streaming at once.
    const many: { caller: MediaStreamsCaller; side: AppSide }[] = [];
    for (let wave = 0; wave < 10; wave++) {
      many.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) => dial({ streamSid: `MZ${String(wave * 20 + i).padStart(32, '0')}` })),
        )),
      );
    }
    await sleep(100);
    const from = performance.now();
    const before = many.map(({ caller }) => caller.framesSent);
    await sleep(1000);
    const elapsed = performance.now() - from;
    const sent = many.map(({ caller }) => caller.framesSent);
    // Paced by the wall clock on the caller side (the loopback server shares this process's CPU).
    const rates = sent.map((count, i) => ((count - before[i]!) * 1000) / elapsed);
    expect(Math.min(...rates)).toBeGreaterThan(47);
    expect(Math.max(...rates)).toBeLessThan(53);
    // ...and every frame reaches the app.
    const arrived = () => many.every(({ side }, i) => side.media().length >= sent[i]!);
    for (let waited = 0; !arrived() && waited < 5000; waited += 50) await sleep(50);
    expect(arrived()).toBe(true);
  });
});

describe('MediaStreamsCaller.connect', () => {
  it('rejects with the HTTP status when the upgrade is refused', async () => {
    const app = await startAppServer({ refuseWith: 403 });
    try {
      const error = await MediaStreamsCaller.connect(app.url, OPTIONS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MediaStreamsConnectError);
      expect((error as MediaStreamsConnectError).statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });
});

describe('test audio', () => {
  it('speech is voiced for most 20 ms frames, by RMS', () => {
    for (const seed of [1, 2, 3]) {
      const audio = speech(3000, seed);
      expect(audio).toHaveLength(24000);
      expect(voicedFrameRatio(audio, 1000)).toBeGreaterThan(0.8);
      // The utterance ends in speech, so say()'s end-of-speech is the end of the audio.
      expect(mulawRms(frames(audio)[frames(audio).length - 1]!)).toBeGreaterThan(500);
    }
  });

  it('speech has a pitch in the voice range and pauses between words', () => {
    const audio = speech(3000, 4);
    const rms = frames(audio).map((frame) => mulawRms(frame));
    expect(rms.some((level) => level < 100)).toBe(true);
    // Autocorrelation peak of a voiced stretch lands at a 110-200 Hz period.
    const samples = decodeMulaw(audio.subarray(400, 1600));
    let best = 0;
    let bestLag = 0;
    for (let lag = 30; lag <= 90; lag++) {
      let sum = 0;
      for (let i = 0; i + lag < samples.length; i++) sum += samples[i]! * samples[i + lag]!;
      if (sum > best) [best, bestLag] = [sum, lag];
    }
    expect(8000 / bestLag).toBeGreaterThan(100);
    expect(8000 / bestLag).toBeLessThan(200);
  });

  it('is deterministic per seed', () => {
    expect(speech(1000, 11).equals(speech(1000, 11))).toBe(true);
    expect(speech(1000, 11).equals(speech(1000, 12))).toBe(false);
  });

  it('silence is unvoiced and a cough is a short burst', () => {
    expect(voicedFrameRatio(silence(1000), 500)).toBe(0);
    expect(silence(1000).every((b) => b === 0xff)).toBe(true);
    const burst = frames(cough(1));
    expect(burst).toHaveLength(4);
    const loud = burst.filter((frame) => mulawRms(frame) > 1000).length;
    expect(loud).toBeGreaterThanOrEqual(2);
    expect(loud).toBeLessThanOrEqual(4);
  });
});
