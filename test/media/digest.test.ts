/**
 * digestMedia end to end: Twilio-like media URLs (Basic auth, redirect to a CDN host) served by local
 * media servers, audio transcribed by the real `assemblyai` SDK against the AssemblyAI emulator.
 */
import { digestMedia, mediaDigestsToPrompt, type DigestMediaDeps, type MediaDigest } from '../../src/media/digest';
import { DEFAULT_MEDIA_LIMITS } from '../../src/media/media-types';
import { AssemblyAiTranscriber, type AudioTranscriber } from '../../src/media/transcribe';
import type { MediaRef } from '../../src/messaging/inbound';
import { AssemblyAiEmulator } from '../../devstack/emulators/assemblyai';
import { MediaServer, type ServedFile } from '../../devstack/emulators/media-server';
import { gif1x1, mp4Header, png1x1, wavSine, webmHeader } from './fixtures';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const fetchAuth = { username: ACCOUNT_SID, password: 'auth-token-not-for-the-cdn' };
const API_KEY = 'aai-digest-test-key';
const MB = 1024 * 1024;

const twilio = new MediaServer();
const cdn = new MediaServer();
const assemblyAi = new AssemblyAiEmulator({ apiKey: API_KEY });
let transcriber: AudioTranscriber;
let mediaCount = 0;

/** Like a real inbound MMS: a Twilio media URL requiring auth that 307s to a CDN object. */
function twilioMedia(contentType: string, file: ServedFile): MediaRef {
  const sid = `ME${String(++mediaCount).padStart(32, '0')}`;
  const cdnUrl = cdn.serve(`/cdn/${sid}`, file);
  const url = twilio.redirect(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/${sid}`, cdnUrl, {
    requireAuth: fetchAuth,
  });
  return { url, contentType };
}

function deps(overrides: Partial<DigestMediaDeps> = {}): DigestMediaDeps {
  // The `twilio` server stands in for the account's API base URL (as the emulator does in development).
  return { fetchAuth, apiBaseUrl: twilio.url('/'), transcriber, timeoutMs: 5000, ...overrides };
}

async function cdnSettled(): Promise<void> {
  await Promise.all(cdn.requests.map((request) => request.closed));
}

beforeAll(async () => {
  await Promise.all([twilio.start(), cdn.start()]);
  transcriber = new AssemblyAiTranscriber({
    apiKey: API_KEY,
    baseUrl: await assemblyAi.start(),
    pollingIntervalMs: 5,
    timeoutMs: 5000,
  });
});

afterEach(() => {
  twilio.reset();
  cdn.reset();
  assemblyAi.reset();
});

afterAll(async () => {
  await Promise.all([twilio.stop(), cdn.stop(), assemblyAi.stop()]);
});

describe('images', () => {
  it('become base64 exactly equal to the served bytes, ready for an image block', async () => {
    const png = png1x1([0, 128, 255, 255]);
    const gif = gif1x1();

    const digests = await digestMedia(
      [
        twilioMedia('image/png', { contentType: 'image/png', body: png }),
        twilioMedia('image/gif', { contentType: 'image/gif', body: gif }),
      ],
      deps(),
    );

    expect(digests).toEqual([
      { kind: 'image', mediaType: 'image/png', base64: png.toString('base64'), sizeBytes: png.length },
      { kind: 'image', mediaType: 'image/gif', base64: gif.toString('base64'), sizeBytes: gif.length },
    ]);
    expect(Buffer.from((digests[0] as { base64: string }).base64, 'base64').equals(png)).toBe(true);
    const prompt = mediaDigestsToPrompt(digests);
    expect(prompt.content[0]).toEqual({ type: 'image', mediaType: 'image/png', data: png.toString('base64') });
    expect(prompt.customerNote).toBeUndefined();
  });

  it('send credentials to the Twilio host only, never to the CDN it redirects to', async () => {
    await digestMedia([twilioMedia('image/png', { contentType: 'image/png', body: png1x1() })], deps());

    expect(twilio.requests).toEqual([expect.objectContaining({ username: ACCOUNT_SID, status: 307 })]);
    expect(cdn.requests).toEqual([expect.objectContaining({ hadAuthorization: false, status: 200 })]);
  });

  it('never send credentials to a host that is neither Twilio nor the configured API base URL', async () => {
    const png = png1x1();
    const foreign = cdn.serve('/Accounts/AC1/Messages/MM1/Media/ME-foreign', { contentType: 'image/png', body: png });

    const [digest] = await digestMedia([{ url: foreign, contentType: 'image/png' }], deps());

    expect(digest).toMatchObject({ kind: 'image', sizeBytes: png.length });
    expect(cdn.requests).toEqual([expect.objectContaining({ hadAuthorization: false, status: 200 })]);
  });

  it('drop the credentials when the Twilio host redirects to a foreign host', async () => {
    const png = png1x1();
    const foreign = cdn.serve('/elsewhere', { contentType: 'image/png', body: png });
    const url = twilio.redirect('/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME-hop', foreign, {
      status: 302,
      requireAuth: fetchAuth,
    });

    await digestMedia([{ url, contentType: 'image/png' }], deps());

    expect(twilio.requests).toEqual([expect.objectContaining({ username: ACCOUNT_SID, status: 302 })]);
    expect(cdn.requests).toEqual([expect.objectContaining({ hadAuthorization: false })]);
  });

  it('are labelled by their bytes when the declared type is wrong (Anthropic rejects mismatches)', async () => {
    const png = png1x1();
    const [digest] = await digestMedia([twilioMedia('image/jpeg', { contentType: 'image/jpeg', body: png })], deps());
    expect(digest).toMatchObject({ kind: 'image', mediaType: 'image/png' });
  });

  it('fail when the bytes are not an image', async () => {
    const [digest] = await digestMedia(
      [twilioMedia('image/png', { contentType: 'image/png', body: Buffer.from('GIF? no, plain text') })],
      deps(),
    );
    expect(digest).toEqual({ kind: 'failed', contentType: 'image/png', reason: 'the file is not a readable image' });
  });

  it('over the limit by Content-Length are too_large without the body being downloaded', async () => {
    const total = 64 * MB;
    const [digest] = await digestMedia(
      [
        twilioMedia('image/jpeg', {
          contentType: 'image/jpeg',
          body: { totalBytes: total, prefix: Buffer.from([0xff, 0xd8, 0xff]) },
        }),
      ],
      deps(),
    );

    expect(digest).toEqual({
      kind: 'too_large',
      contentType: 'image/jpeg',
      sizeBytes: total,
      limitBytes: DEFAULT_MEDIA_LIMITS.imageBytes,
    });
    await cdnSettled();
    expect(cdn.requests[0]?.completed).toBe(false);
    expect(cdn.requests[0]?.bytesSent).toBeLessThan(total / 2);
    expect(mediaDigestsToPrompt([digest!]).customerNote).toBe(
      'That image is too large for me to open (the limit is 3.8 MB).',
    );
  });
});

describe('audio', () => {
  it('is transcribed from the served bytes', async () => {
    const wav = wavSine({ seconds: 2 });
    assemblyAi.enqueue({ text: '  Can you call me back after five?  ', confidence: 0.91, audioDurationSeconds: 2 });

    const digests = await digestMedia([twilioMedia('audio/x-wav', { contentType: 'audio/wav', body: wav })], deps());

    expect(digests).toEqual([
      {
        kind: 'audio',
        contentType: 'audio/x-wav',
        transcript: 'Can you call me back after five?',
        durationSeconds: 2,
        confidence: 0.91,
      },
    ]);
    expect(assemblyAi.uploads).toHaveLength(1);
    expect(assemblyAi.uploads[0]?.bytes.equals(wav)).toBe(true);
    expect(mediaDigestsToPrompt(digests).content).toEqual([
      { type: 'text', text: '[Voice note transcript: Can you call me back after five?]' },
    ]);
  });

  it('handles WhatsApp voice notes (audio/ogg with codec parameters)', async () => {
    const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(2000, 7)]);
    assemblyAi.setScript(({ audio }) =>
      audio?.subarray(0, 4).toString() === 'OggS' ? 'an ogg voice note' : 'something else',
    );

    const [digest] = await digestMedia(
      [twilioMedia('audio/ogg; codecs=opus', { contentType: 'audio/ogg', body: ogg })],
      deps(),
    );

    expect(digest).toMatchObject({
      kind: 'audio',
      contentType: 'audio/ogg; codecs=opus',
      transcript: 'an ogg voice note',
    });
  });

  it('that AssemblyAI cannot transcribe is failed, without spoiling the other files', async () => {
    const png = png1x1();
    assemblyAi.enqueue({ error: 'Audio duration is too short.' });

    const digests = await digestMedia(
      [
        twilioMedia('audio/mpeg', { contentType: 'audio/mpeg', body: Buffer.from([0xff, 0xfb, 0x90, 0x64]) }),
        twilioMedia('image/png', { contentType: 'image/png', body: png }),
      ],
      deps(),
    );

    expect(digests[0]).toEqual({
      kind: 'failed',
      contentType: 'audio/mpeg',
      reason: 'transcription failed: AssemblyAI could not transcribe the audio: Audio duration is too short.',
    });
    expect(digests[1]).toMatchObject({ kind: 'image', base64: png.toString('base64') });
    expect(mediaDigestsToPrompt(digests).customerNote).toBe(
      "I couldn't open the audio file you sent; could you try sending it again?",
    );
  });

  it('streamed past the limit without a Content-Length is too_large and never uploaded', async () => {
    const total = 64 * MB;
    const [digest] = await digestMedia(
      [twilioMedia('audio/mpeg', { contentType: 'audio/mpeg', body: { totalBytes: total }, framing: 'chunked' })],
      deps({ limits: { audioBytes: MB } }),
    );

    expect(digest).toMatchObject({ kind: 'too_large', contentType: 'audio/mpeg', limitBytes: MB });
    expect((digest as { sizeBytes: number }).sizeBytes).toBeGreaterThan(MB);
    expect((digest as { sizeBytes: number }).sizeBytes).toBeLessThan(2 * MB);
    await cdnSettled();
    expect(cdn.requests[0]?.completed).toBe(false);
    expect(assemblyAi.requests).toHaveLength(0);
  });

  it('keeps at most 8000 characters of a very long transcript, marking the cut', async () => {
    const long: AudioTranscriber = { transcribe: async () => ({ text: 'word '.repeat(5000) }) };
    const [digest] = await digestMedia(
      [twilioMedia('audio/ogg', { contentType: 'audio/ogg', body: Buffer.from('OggS') })],
      deps({ transcriber: long }),
    );
    const transcript = (digest as { transcript: string }).transcript;
    expect(transcript).toHaveLength(8000 + '… (cut)'.length);
    expect(transcript.endsWith('… (cut)')).toBe(true);
  });

  it('is failed when no transcriber is configured', async () => {
    const [digest] = await digestMedia(
      [twilioMedia('audio/ogg', { contentType: 'audio/ogg', body: Buffer.from('OggS') })],
      deps({ transcriber: undefined }),
    );
    expect(digest).toEqual({
      kind: 'failed',
      contentType: 'audio/ogg',
      reason: 'audio transcription is not configured',
    });
    expect(twilio.requests).toHaveLength(0);
  });
});

describe('video', () => {
  it('is acknowledged with type and size from the headers, not downloaded', async () => {
    const total = 64 * MB;
    const digests = await digestMedia(
      [twilioMedia('video/mp4', { contentType: 'video/mp4', body: { totalBytes: total, prefix: mp4Header() } })],
      deps(),
    );

    expect(digests).toEqual([
      { kind: 'video', contentType: 'video/mp4', sizeBytes: total, note: 'videos cannot be viewed' },
    ]);
    await cdnSettled();
    expect(cdn.requests[0]?.completed).toBe(false);
    expect(cdn.requests[0]?.bytesSent).toBeLessThan(total / 2);
    expect(mediaDigestsToPrompt(digests)).toEqual({
      content: [{ type: 'text', text: '[The customer sent a video (video/mp4, 64.0 MB); videos cannot be viewed]' }],
      customerNote: undefined,
    });
  });

  it('without a Content-Length is acknowledged without a size', async () => {
    const digests = await digestMedia(
      [twilioMedia('video/webm', { contentType: 'video/webm', body: webmHeader(), framing: 'chunked' })],
      deps(),
    );

    expect(digests).toEqual([{ kind: 'video', contentType: 'video/webm', note: 'videos cannot be viewed' }]);
    expect(mediaDigestsToPrompt(digests).content).toEqual([
      { type: 'text', text: '[The customer sent a video (video/webm); videos cannot be viewed]' },
    ]);
  });
});

describe('unsupported and broken files', () => {
  it('an unsupported type is not fetched and gets a polite note naming what is supported', async () => {
    const digests = await digestMedia(
      [twilioMedia('application/zip', { contentType: 'application/zip', body: Buffer.from('PK') })],
      deps(),
    );

    expect(digests).toEqual([
      { kind: 'unsupported', contentType: 'application/zip', reason: 'file type application/zip is not supported' },
    ]);
    expect(twilio.requests).toHaveLength(0);
    const prompt = mediaDigestsToPrompt(digests);
    expect(prompt.customerNote).toBe(
      "I can't open that file type (application/zip). I can read images (JPEG, PNG, GIF, WebP), listen to audio (MP3, WAV, OGG, M4A, AAC, AMR, 3GP) and note videos (MP4, WebM, MOV, 3GP).",
    );
    expect(prompt.content).toEqual([
      { type: 'text', text: '[The customer sent a file that cannot be opened (application/zip)]' },
    ]);
  });

  it('a missing file is failed with the HTTP status', async () => {
    const [digest] = await digestMedia(
      [{ url: twilio.url('/2010-04-01/Accounts/AC1/Messages/MM1/Media/MEgone'), contentType: 'image/png' }],
      deps(),
    );
    expect(digest).toMatchObject({
      kind: 'failed',
      contentType: 'image/png',
      reason: expect.stringMatching(/^download failed: HTTP 404 from /) as unknown,
    });
  });

  it('a page served instead of the media is failed', async () => {
    const [digest] = await digestMedia(
      [twilioMedia('image/jpeg', { contentType: 'text/html', body: Buffer.from('<html>expired</html>') })],
      deps(),
    );
    expect(digest).toEqual({
      kind: 'failed',
      contentType: 'image/jpeg',
      reason: 'unexpected content: declared image/jpeg but the server sent text/html',
    });
  });

  it('a garbage URL is failed, not thrown', async () => {
    await expect(digestMedia([{ url: 'not a url', contentType: 'image/png' }], deps())).resolves.toEqual([
      { kind: 'failed', contentType: 'image/png', reason: 'download failed: media URL is not a valid URL' },
    ]);
  });

  it('a mixed message keeps its order and explains every problem once', async () => {
    const png = png1x1();
    assemblyAi.enqueue('See the photo');

    const digests = await digestMedia(
      [
        twilioMedia('image/png', { contentType: 'image/png', body: png }),
        twilioMedia('application/zip', { contentType: 'application/zip', body: Buffer.from('PK') }),
        twilioMedia('audio/mpeg', { contentType: 'audio/mpeg', body: Buffer.from([0xff, 0xfb, 0x90, 0x64]) }),
        twilioMedia('text/vcard', { contentType: 'text/vcard', body: Buffer.from('BEGIN:VCARD') }),
        twilioMedia('video/mp4', { contentType: 'video/mp4', body: mp4Header() }),
        twilioMedia('image/gif', { contentType: 'image/gif', body: { totalBytes: 2 * MB, prefix: gif1x1() } }),
      ],
      deps({ limits: { imageBytes: MB } }),
    );

    expect(digests.map((d: MediaDigest) => d.kind)).toEqual([
      'image',
      'unsupported',
      'audio',
      'unsupported',
      'video',
      'too_large',
    ]);
    const prompt = mediaDigestsToPrompt(digests);
    expect(prompt.content.map((block) => (block.type === 'text' ? block.text : block.type))).toEqual([
      'image',
      '[The customer sent a file that cannot be opened (application/zip)]',
      '[Voice note transcript: See the photo]',
      '[The customer sent a file that cannot be opened (text/vcard)]',
      '[The customer sent a video (video/mp4, 24 bytes); videos cannot be viewed]',
      '[The customer sent an image too large to open (2.0 MB; limit 1.0 MB)]',
    ]);
    expect(prompt.customerNote).toBe(
      "I can't open that file type (application/zip). I can't open that file type (text/vcard). That image is too large for me to open (the limit is 1.0 MB). " +
        'I can read images (JPEG, PNG, GIF, WebP), listen to audio (MP3, WAV, OGG, M4A, AAC, AMR, 3GP) and note videos (MP4, WebM, MOV, 3GP).',
    );
  });
});
