/** AssemblyAiTranscriber through the real `assemblyai` SDK against the AssemblyAI emulator. */
import { AssemblyAiTranscriber, TranscriptionError } from '../../src/media/transcribe';
import { AssemblyAiEmulator } from '../../devstack/emulators/assemblyai';
import { MediaServer } from '../../devstack/emulators/media-server';
import { wavSine } from './fixtures';
import { rejection } from '../harness/rejection';

const API_KEY = 'aai-emulator-test-key';
const emulator = new AssemblyAiEmulator({ apiKey: API_KEY });
const media = new MediaServer();
let baseUrl: string;

function transcriber(options: { apiKey?: string; timeoutMs?: number } = {}): AssemblyAiTranscriber {
  return new AssemblyAiTranscriber({
    apiKey: options.apiKey ?? API_KEY,
    baseUrl,
    pollingIntervalMs: 5,
    timeoutMs: options.timeoutMs ?? 5000,
  });
}

beforeAll(async () => {
  baseUrl = await emulator.start();
  await media.start();
});

afterEach(() => {
  emulator.reset();
  media.reset();
});

afterAll(async () => {
  await emulator.stop();
  await media.stop();
});

describe('AssemblyAiTranscriber', () => {
  it('uploads the bytes, polls until completed and returns text, duration and confidence', async () => {
    const audio = wavSine({ seconds: 3 });
    emulator.enqueue({
      text: 'Hi, I need to move my appointment to Friday.',
      confidence: 0.87,
      audioDurationSeconds: 3,
    });

    const result = await transcriber().transcribe(audio, 'audio/wav');

    expect(result).toEqual({
      text: 'Hi, I need to move my appointment to Friday.',
      durationSeconds: 3,
      confidence: 0.87,
    });
    const [upload] = emulator.uploads;
    expect(upload?.bytes.equals(audio)).toBe(true);
    expect(emulator.requests.map((r) => r.route)).toEqual(['upload', 'create', 'get', 'get', 'get']);
    expect(emulator.requests.every((r) => r.authorized)).toBe(true);
    expect(emulator.requests[1]?.json).toMatchObject({ audio_url: upload?.url });
    expect(emulator.transcripts[0]?.servedStatuses).toEqual(['queued', 'processing', 'completed']);
  });

  it('keeps polling while the transcript is processing, at the configured interval', async () => {
    emulator.setProgression({ queuedPolls: 2, processingPolls: 4 });
    const started = Date.now();

    const result = await transcriber().transcribe(wavSine({ seconds: 2 }), 'audio/wav');

    expect(result.text).toBe('This is the AssemblyAI emulator speaking.');
    expect(result.durationSeconds).toBe(2); // the default script reads the WAV header
    expect(emulator.transcripts[0]?.servedStatuses).toEqual([
      'queued',
      'queued',
      'processing',
      'processing',
      'processing',
      'processing',
      'completed',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a transcript that ends in the error status', async () => {
    emulator.enqueue({ error: 'File does not appear to contain audio.' });

    const error = await rejection(transcriber().transcribe(Buffer.from('not audio at all'), 'audio/ogg'));

    expect(error).toBeInstanceOf(TranscriptionError);
    expect((error as Error).message).toBe(
      'AssemblyAI could not transcribe the audio: File does not appear to contain audio.',
    );
    expect((error as TranscriptionError).transcriptId).toBe(emulator.transcripts[0]?.id);
  });

  it('reports a rejected API key without revealing the key', async () => {
    const error = await rejection(
      transcriber({ apiKey: 'wrong-key-123' }).transcribe(wavSine({ seconds: 1 }), 'audio/wav'),
    );

    expect(error).toBeInstanceOf(TranscriptionError);
    expect((error as Error).message).toBe('AssemblyAI request failed: Authentication error, API token missing/invalid');
    expect((error as Error).message).not.toContain('wrong-key-123');
    expect(emulator.requests).toEqual([expect.objectContaining({ route: 'upload', authorized: false, status: 401 })]);
  });

  it('reports an HTTP error from the API', async () => {
    emulator.failNext({ status: 500, error: 'Internal server error', route: 'create' });

    const error = await rejection(transcriber().transcribe(wavSine({ seconds: 1 }), 'audio/wav'));

    expect(error).toBeInstanceOf(TranscriptionError);
    expect((error as Error).message).toBe('AssemblyAI request failed: Internal server error');
    expect(emulator.requests.map((r) => [r.route, r.status])).toEqual([
      ['upload', 200],
      ['create', 500],
    ]);
  });

  it('passes a public URL through for AssemblyAI to fetch itself', async () => {
    const audio = wavSine({ seconds: 1 });
    const url = media.serve('/public/note.wav', { contentType: 'audio/wav', body: audio });
    emulator.setScript(({ audio: fetched }) => `heard ${fetched?.length ?? 0} bytes`);

    const result = await transcriber().transcribe(url, 'audio/wav');

    expect(result.text).toBe(`heard ${audio.length} bytes`);
    expect(emulator.uploads).toHaveLength(0);
    expect(emulator.requests[0]?.json).toMatchObject({ audio_url: url });
    expect(media.requestsFor('/public/note.wav')).toHaveLength(1);
  });

  it('refuses a string that is not a web URL instead of letting the SDK read a local file', async () => {
    const error = await rejection(transcriber().transcribe('/etc/hostname', 'audio/wav'));

    expect(error).toBeInstanceOf(TranscriptionError);
    expect(emulator.requests).toHaveLength(0);
  });

  it('gives up when the transcript takes longer than the timeout', async () => {
    emulator.setProgression({ processingDelayMs: 10_000 });
    const started = Date.now();

    const error = await rejection(transcriber({ timeoutMs: 300 }).transcribe(wavSine({ seconds: 1 }), 'audio/wav'));

    expect(error).toBeInstanceOf(TranscriptionError);
    expect((error as Error).message).toMatch(/Polling timeout|longer than 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('AssemblyAiEmulator over raw HTTP', () => {
  it('answers 401 without the key and 404 for an unknown transcript', async () => {
    const unauthorised = await fetch(`${baseUrl}/v2/transcript/abc`);
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toEqual({ error: 'Authentication error, API token missing/invalid' });

    const unknown = await fetch(`${baseUrl}/v2/transcript/abc`, { headers: { authorization: API_KEY } });
    expect(unknown.status).toBe(404);
  });

  it('rejects a transcript request without audio_url', async () => {
    const response = await fetch(`${baseUrl}/v2/transcript`, {
      method: 'POST',
      headers: { authorization: API_KEY },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'audio_url is required' });
  });

  it('ends with a download error for an audio URL it cannot reach', async () => {
    const error = await rejection(transcriber().transcribe('https://media.example.invalid/voice.ogg', 'audio/ogg'));

    expect((error as Error).message).toBe(
      'AssemblyAI could not transcribe the audio: Download error, unable to download https://media.example.invalid/voice.ogg',
    );
  });

  it('shapes a completed transcript like the real API', async () => {
    emulator.enqueue({ text: 'two words', confidence: 0.8, audioDurationSeconds: 1 });
    await transcriber().transcribe(wavSine({ seconds: 1 }), 'audio/wav');
    const id = emulator.transcripts[0]?.id ?? '';

    const body = (await (
      await fetch(`${baseUrl}/v2/transcript/${id}`, { headers: { authorization: API_KEY } })
    ).json()) as Record<string, unknown>;

    expect(body).toMatchObject({
      id,
      status: 'completed',
      text: 'two words',
      confidence: 0.8,
      audio_duration: 1,
      words: [
        { text: 'two', start: 0, end: 500, confidence: 0.8 },
        { text: 'words', start: 500, end: 1000, confidence: 0.8 },
      ],
    });
  });
});
