import { decodeMulaw, MULAW_FRAME_BYTES, MULAW_SILENCE, mulawRms } from '../../src/audio/mulaw';
import {
  findSignatures,
  SIGNATURE_CAPACITY,
  signatureAudio,
  signatureOf,
  TtsEmulator,
} from '../../devstack/emulators/tts';

const API_KEY = 'emulator-key';

async function post(
  url: string,
  init: { key?: string; format?: string; body?: string; path?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  const path = init.path ?? '/v1/text-to-speech/voice/stream';
  const response = await fetch(`${url}${path}?output_format=${init.format ?? 'ulaw_8000'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.key !== undefined ? { 'xi-api-key': init.key } : {}) },
    body: init.body ?? JSON.stringify({ text: 'Hello there.', model_id: 'eleven_flash_v2_5' }),
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe('signature audio', () => {
  it('is loud, distinct per request and recognisable in any cut', () => {
    const seen = new Set<string>();
    for (let k = 0; k < SIGNATURE_CAPACITY; k++) seen.add(signatureOf(k).join());
    expect(seen.size).toBe(SIGNATURE_CAPACITY);
    for (const k of [0, 63, 64, 4095]) {
      const audio = signatureAudio(k, 0, 1600);
      expect(mulawRms(audio)).toBeGreaterThan(1900);
      expect(Math.min(...Array.from(decodeMulaw(audio), Math.abs))).toBeGreaterThan(1900);
      expect(findSignatures(audio.subarray(3, 3 + MULAW_FRAME_BYTES))).toEqual([k]);
    }
  });

  it('never reports the seam between two syntheses or silence as a third', () => {
    for (const [a, b] of [
      [0, 65],
      [1, 64],
      [65, 1],
      [4095, 0],
    ] as const) {
      for (const cut of [1, 3, 4, 5, 7, 8]) {
        const joined = Buffer.concat([
          signatureAudio(a, 0, 800 + cut),
          Buffer.alloc(cut % 3, MULAW_SILENCE),
          signatureAudio(b, 0, 800),
        ]);
        expect(findSignatures(joined)).toEqual([a, b]);
      }
    }
    expect(findSignatures(Buffer.alloc(800, MULAW_SILENCE))).toEqual([]);
  });
});

describe('TtsEmulator', () => {
  const emulator = new TtsEmulator({ apiKey: API_KEY });
  let url: string;

  beforeAll(async () => {
    url = await emulator.start();
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.stop());

  it('streams audio sized by the text at 60 ms per char (min 200 ms)', async () => {
    const reply = await post(url, { key: API_KEY });
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(Math.ceil((12 * 60 * 8) / 8) * 8);
    const short = await post(url, { key: API_KEY, body: JSON.stringify({ text: 'Hi' }) });
    expect(short.body.length).toBe(1600);
    expect(emulator.identify(Buffer.concat([reply.body, short.body]))).toEqual([0, 1]);
    expect(emulator.textOf(1)).toBe('Hi');
    expect(emulator.requests[0]).toMatchObject({
      bytes: reply.body.length,
      aborted: false,
      dropped: false,
      modelId: 'eleven_flash_v2_5',
    });
  });

  it('checks the key, the output format, the route and the body', async () => {
    expect((await post(url)).status).toBe(401);
    expect((await post(url, { key: 'nope' })).status).toBe(401);
    expect((await post(url, { key: API_KEY, format: 'mp3_44100_128' })).status).toBe(400);
    expect((await post(url, { key: API_KEY, body: JSON.stringify({ text: ' ' }) })).status).toBe(400);
    expect((await post(url, { key: API_KEY, body: 'not json' })).status).toBe(400);
    expect((await post(url, { key: API_KEY, path: '/v1/voices' })).status).toBe(404);
    const error = await post(url);
    expect(JSON.parse(error.body.toString())).toMatchObject({ detail: { status: 'invalid_api_key' } });
    expect(emulator.requests.map((r) => r.status)).toEqual([401, 401, 400, 400, 400, 404, 401]);
  });

  it('paces the stream at the configured multiple of real time', async () => {
    emulator.setTiming({ ttfbMs: 100, speed: 4, msPerChar: 100 }); // 1.2 s of audio in ~0.3 s
    const started = Date.now();
    const reply = await post(url, { key: API_KEY });
    const elapsed = Date.now() - started;
    expect(reply.body.length).toBe(9600);
    expect(elapsed).toBeGreaterThanOrEqual(100 + 250 - 20);
    expect(elapsed).toBeLessThan(2000);
    const record = emulator.requests[0]!;
    expect(record.firstByteAt! - record.receivedAt).toBeGreaterThanOrEqual(95);
  });

  it('injects faults in order', async () => {
    emulator.failNext(503, 1, 'busy');
    emulator.dropNext();
    const failed = await post(url, { key: API_KEY });
    expect(failed.status).toBe(503);
    expect(failed.body.toString()).toContain('busy');
    await expect(post(url, { key: API_KEY })).rejects.toThrow();
    expect((await emulator.settled(1)).dropped).toBe(true);
    expect((await post(url, { key: API_KEY })).status).toBe(200);
    expect(emulator.requests.map((r) => r.fault?.kind)).toEqual(['status', 'drop', undefined]);
  });
});
