import { AssemblyAiEmulator } from '../../devstack/emulators/assemblyai';
import { MediaServer } from '../../devstack/emulators/media-server';
import { lastUserText } from '../../devstack/emulators/anthropic';
import { png1x1, wavSine, mp4Header } from '../media/fixtures';
import {
  eventually,
  inboundSms,
  messageSid,
  startTestSystem,
  TEST_ACCOUNT_SID,
  type TestSystem,
} from '../harness/system';

// MMS/WhatsApp media end to end: fetched from Twilio's media URL (the emulator's, which takes the
// account's credentials and redirects to a pre-signed CDN URL, here `media`), understood per
// category, and answered — or politely refused — through the real stack.
describe('media messages', () => {
  let system: TestSystem;
  const media = new MediaServer();
  const assemblyai = new AssemblyAiEmulator({ apiKey: 'test-assemblyai-key' });
  /** A Twilio MediaUrl for `path` on the CDN: credentials go to the emulator, never to the CDN. */
  const twilioMedia = (path: string, file: Parameters<MediaServer['serve']>[1]) => {
    const [, messageSid] = /Messages\/(MM\w+)\//.exec(path) ?? [];
    return system.twilio.inboundMediaUrl(TEST_ACCOUNT_SID, messageSid ?? 'MM0', media.serve(path, file));
  };

  beforeAll(async () => {
    const [, assemblyaiUrl] = await Promise.all([media.start(), assemblyai.start()]);
    system = await startTestSystem({
      ASSEMBLYAI_API_KEY: 'test-assemblyai-key',
      ASSEMBLYAI_BASE_URL: assemblyaiUrl,
      ASSEMBLYAI_POLLING_INTERVAL_MS: '20',
    });
  });
  afterAll(async () => {
    await system?.stop();
    await Promise.all([media.stop(), assemblyai.stop()]);
  });

  async function sendMedia(from: string, body: string, url: string, contentType: string) {
    const params = inboundSms(from, body, {
      MessageSid: messageSid('MM'),
      NumMedia: '1',
      MediaUrl0: url,
      MediaContentType0: contentType,
    });
    expect((await system.webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    const [reply] = await eventually(
      'reply',
      () => {
        const sent = system.twilio.sentMessages({ to: from });
        return sent.length > 0 && sent;
      },
      30_000,
    );
    return reply!;
  }
  const lastRequestFrom = (text: string) =>
    system.anthropic.requests.filter((r) => JSON.stringify(r.messages).includes(text)).at(-1);

  it('shows an image to the model as an image block', async () => {
    const png = png1x1([0, 128, 255, 255]);
    const url = twilioMedia('/Accounts/AC/Messages/MM1/Media/ME1', { contentType: 'image/png', body: png });
    await sendMedia('+14155559401', 'what colour is this?', url, 'image/png');
    const request = lastRequestFrom('what colour is this?')!;
    const blocks = request.messages.at(-1)!.content as Array<{
      type: string;
      source?: { data: string; media_type: string };
    }>;
    const image = blocks.find((b) => b.type === 'image')!;
    expect(image.source).toMatchObject({ media_type: 'image/png', data: png.toString('base64') });
    const mediaPath = new URL(url).pathname;
    expect(system.twilio.requests.find((r) => r.path === mediaPath)).toMatchObject({
      accountSid: TEST_ACCOUNT_SID,
      status: 307,
    });
    expect(media.requests.filter((r) => r.path.endsWith('/ME1'))).toEqual([
      expect.objectContaining({ hadAuthorization: false, status: 200 }),
    ]);
  });

  it('transcribes a voice note and gives the model the text', async () => {
    assemblyai.enqueue('I would like to cancel order 5521');
    const url = twilioMedia('/Accounts/AC/Messages/MM2/Media/ME2', {
      contentType: 'audio/wav',
      body: wavSine({ seconds: 0.5 }),
    });
    await sendMedia('+14155559402', '', url, 'audio/wav');
    const request = lastRequestFrom('I would like to cancel order 5521')!;
    expect(lastUserText(request)).toContain('[Voice note transcript: I would like to cancel order 5521]');
  });

  it('acknowledges a video with what can be known of it', async () => {
    const url = twilioMedia('/Accounts/AC/Messages/MM3/Media/ME3', {
      contentType: 'video/mp4',
      body: mp4Header(),
    });
    await sendMedia('+14155559403', 'here is the video of the damage', url, 'video/mp4');
    const request = lastRequestFrom('here is the video of the damage')!;
    expect(JSON.stringify(request.messages.at(-1)!.content)).toContain('The customer sent a video (video/mp4');
  });

  it('answers an unsupported file type politely, saying what is supported, without calling the model', async () => {
    const before = system.anthropic.requests.length;
    const url = twilioMedia('/Accounts/AC/Messages/MM4/Media/ME4', {
      contentType: 'application/zip',
      body: Buffer.from('PK\u0003\u0004'),
    });
    const reply = await sendMedia('+14155559404', '', url, 'application/zip');
    expect(reply.body).toContain("can't open that file type (application/zip)");
    expect(reply.body).toMatch(/JPEG.*PNG/);
    expect(system.anthropic.requests.length).toBe(before);
  });

  it('answers an oversized image politely instead of downloading it', async () => {
    const url = twilioMedia('/Accounts/AC/Messages/MM5/Media/ME5', {
      contentType: 'image/jpeg',
      body: { totalBytes: 12 * 1024 * 1024 },
    });
    const reply = await sendMedia('+14155559405', '', url, 'image/jpeg');
    expect(reply.body).toMatch(/too large/);
  });
});
