import { ElevenLabsTts } from '../../src/speech/elevenlabs-tts';
import { ProviderError } from '../../src/providers/provider-error';
import { TtsError } from '../../src/speech/tts';
import { TtsEmulator } from '../../devstack/emulators/tts';

const API_KEY = 'xi-test-key-0123456789';

async function collect(
  stream: AsyncIterable<Buffer>,
  onChunk?: (chunk: Buffer, total: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    total += chunk.length;
    onChunk?.(chunk, total);
  }
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<TtsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TtsError) return error;
    throw error;
  }
  throw new Error('expected a TtsError');
}

describe('ElevenLabsTts against the emulator', () => {
  const emulator = new TtsEmulator({ apiKey: API_KEY });
  let tts: ElevenLabsTts;

  beforeAll(async () => {
    tts = new ElevenLabsTts({
      apiKey: API_KEY,
      voiceId: 'voice-1',
      modelId: 'eleven_flash_v2_5',
      baseUrl: await emulator.start(),
    });
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.stop());

  it('streams the mu-law audio of the text, first byte after the TTFB', async () => {
    emulator.setTiming({ ttfbMs: 150, speed: 20 }); // a 1600-byte chunk every 10 ms
    const text = 'Hello, thanks for calling.';
    const started = Date.now();
    let firstByteMs: number | undefined;
    let chunks = 0;
    const audio = await collect(tts.synthesize(text, { signal: new AbortController().signal }), () => {
      firstByteMs ??= Date.now() - started;
      chunks++;
    });
    expect(firstByteMs).toBeGreaterThanOrEqual(140);
    expect(firstByteMs).toBeLessThan(1000);
    expect(audio.length).toBe(emulator.audioBytesFor(text));
    expect(chunks).toBeGreaterThan(1); // forwarded as it arrived, not buffered whole
    expect(emulator.identify(audio)).toEqual([0]);
    const [request] = emulator.requests;
    expect(request).toMatchObject({
      text,
      voiceId: 'voice-1',
      modelId: 'eleven_flash_v2_5',
      outputFormat: 'ulaw_8000',
      status: 200,
      aborted: false,
    });
    expect(request!.firstByteAt! - request!.receivedAt).toBeGreaterThanOrEqual(145);
  });

  it('sends voice settings when configured', async () => {
    const withSettings = new ElevenLabsTts({
      apiKey: API_KEY,
      voiceId: 'v',
      modelId: 'm',
      baseUrl: emulator.baseUrl,
      voiceSettings: { stability: 0.5, similarity_boost: 0.8 },
    });
    await collect(withSettings.synthesize('Hi.', { signal: new AbortController().signal }));
    expect(emulator.requests[0]!.voiceSettings).toEqual({ stability: 0.5, similarity_boost: 0.8 });
  });

  it('keeps audio of consecutive syntheses apart', async () => {
    const signal = new AbortController().signal;
    const first = await collect(tts.synthesize('First sentence.', { signal }));
    const second = await collect(tts.synthesize('Second one.', { signal }));
    expect(emulator.identify(first)).toEqual([0]);
    expect(emulator.identify(second)).toEqual([1]);
    expect(emulator.identify(Buffer.concat([first, second]))).toEqual([0, 1]);
    expect(emulator.textOf(1)).toBe('Second one.');
  });

  it('stops at once when aborted mid-stream, without an error', async () => {
    emulator.setTiming({ speed: 1 }); // paced like playback: 200 ms per 1600-byte chunk
    const controller = new AbortController();
    const text = 'This sentence takes several seconds to say out loud on the phone.';
    let abortedAt = 0;
    let bytesAtAbort = 0;
    const audio = await collect(tts.synthesize(text, { signal: controller.signal }), (_chunk, total) => {
      if (total >= 1600 && abortedAt === 0) {
        abortedAt = Date.now();
        bytesAtAbort = total;
        controller.abort();
      }
    });
    // The full audio would take ~4 s to stream; bounds are loose for loaded CI machines (~5 ms when idle).
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(audio.length).toBe(bytesAtAbort); // nothing more after the abort
    const record = await emulator.settled(0);
    expect(record.aborted).toBe(true);
    expect(record.endedAt! - abortedAt).toBeLessThan(1000);
    expect(record.bytes).toBeLessThan(record.plannedBytes / 2);
  });

  it('cancels the request when aborted before the first byte', async () => {
    emulator.setTiming({ ttfbMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const audio = await collect(tts.synthesize('Hello there.', { signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(500);
    expect(audio.length).toBe(0);
    const record = await emulator.settled(0);
    expect(record).toMatchObject({ aborted: true, bytes: 0 });
  });

  it('cancels the request when the consumer stops iterating', async () => {
    emulator.setTiming({ speed: 1 });
    for await (const chunk of tts.synthesize('A long enough sentence to stream in several chunks.', {
      signal: new AbortController().signal,
    })) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect((await emulator.settled(0)).aborted).toBe(true);
  });

  it('does nothing for blank text or an already aborted signal', async () => {
    const controller = new AbortController();
    expect((await collect(tts.synthesize('  ', { signal: controller.signal }))).length).toBe(0);
    controller.abort();
    expect((await collect(tts.synthesize('Hello.', { signal: controller.signal }))).length).toBe(0);
    expect(emulator.requests).toHaveLength(0);
  });

  it('reports 401 as a non-retryable TtsError without the API key', async () => {
    const wrongKey = 'xi-wrong-key-9876543210';
    const bad = new ElevenLabsTts({ apiKey: wrongKey, voiceId: 'v', modelId: 'm', baseUrl: emulator.baseUrl });
    const error = await failure(collect(bad.synthesize('Hello.', { signal: new AbortController().signal })));
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'tts', provider: 'elevenlabs' });
    expect(error.message).toContain('401');
    expect(error.message).not.toContain(wrongKey);
    expect(error.message).not.toContain(API_KEY);
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [400, false],
    [422, false],
  ])('reports HTTP %i with retryable %s', async (status, retryable) => {
    emulator.failNext(status);
    const error = await failure(collect(tts.synthesize('Hello.', { signal: new AbortController().signal })));
    expect(error).toMatchObject({ kind: 'tts', provider: 'elevenlabs', status, retryable });
    expect(error.message).toContain(String(status));
    // The fault is used up: the next synthesis works.
    expect((await collect(tts.synthesize('Hello.', { signal: new AbortController().signal }))).length).toBeGreaterThan(
      0,
    );
  });

  it('reports a dropped stream as a retryable TtsError after the bytes that arrived', async () => {
    emulator.dropNext();
    const text = 'A sentence long enough to be dropped in the middle.';
    let received = 0;
    const error = await failure(
      collect(tts.synthesize(text, { signal: new AbortController().signal }), (_c, total) => (received = total)),
    );
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(emulator.audioBytesFor(text));
    expect(error.message).toContain(`after ${received} bytes`);
    expect(emulator.requests[0]).toMatchObject({ dropped: true, aborted: false });
  });

  it('reports an unreachable provider as a retryable TtsError', async () => {
    const down = new TtsEmulator({ apiKey: API_KEY });
    const url = await down.start();
    await down.stop();
    const unreachable = new ElevenLabsTts({ apiKey: API_KEY, voiceId: 'v', modelId: 'm', baseUrl: url });
    const error = await failure(collect(unreachable.synthesize('Hello.', { signal: new AbortController().signal })));
    expect(error.retryable).toBe(true);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe('tts');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('fails a stalled stream as retryable', async () => {
    emulator.setTiming({ ttfbMs: 1000 });
    const impatient = new ElevenLabsTts({
      apiKey: API_KEY,
      voiceId: 'v',
      modelId: 'm',
      baseUrl: emulator.baseUrl,
      stallTimeoutMs: 100,
    });
    const error = await failure(collect(impatient.synthesize('Hello.', { signal: new AbortController().signal })));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('stalled');
  });

  it('does not count a slow consumer as a stall', async () => {
    const patient = new ElevenLabsTts({
      apiKey: API_KEY,
      voiceId: 'v',
      modelId: 'm',
      baseUrl: emulator.baseUrl,
      stallTimeoutMs: 100,
    });
    emulator.setTiming({ speed: 50 });
    const text = 'A sentence that streams in a few chunks.';
    let audio = 0;
    for await (const chunk of patient.synthesize(text, { signal: new AbortController().signal })) {
      audio += chunk.length;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(audio).toBe(emulator.audioBytesFor(text));
  });

  it('reuses keep-alive connections for back-to-back syntheses', async () => {
    const signal = new AbortController().signal;
    for (let i = 0; i < 6; i++) await collect(tts.synthesize(`Sentence ${i}.`, { signal }));
    // undici frees a connection a tick after the body ends, so an immediate next request may open a second one.
    expect(new Set(emulator.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it('serves many concurrent syntheses, each with its own audio', async () => {
    emulator.setTiming({ ttfbMs: 20 });
    const texts = Array.from({ length: 50 }, (_, i) => `Caller number ${i} hears this sentence.`);
    const audios = await Promise.all(
      texts.map((text) => collect(tts.synthesize(text, { signal: new AbortController().signal }))),
    );
    for (const audio of audios) {
      const [k, ...others] = emulator.identify(audio);
      expect(others).toEqual([]);
      expect(texts).toContain(emulator.textOf(k!));
      expect(audio.length).toBe(emulator.audioBytesFor(emulator.textOf(k!)));
    }
    expect(new Set(audios.map((audio) => emulator.identify(audio)[0])).size).toBe(50);
  });
});
