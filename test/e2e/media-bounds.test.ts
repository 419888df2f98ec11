import { BSON } from 'mongodb';
import { AssemblyAiEmulator } from '../../devstack/emulators/assemblyai';
import { MediaServer } from '../../devstack/emulators/media-server';
import { lastUserText } from '../../devstack/emulators/anthropic';
import { png1x1, wavSine } from '../media/fixtures';
import {
  eventually,
  inboundSms,
  messageSid,
  startTestSystem,
  TEST_ACCOUNT_SID,
  type TestSystem,
} from '../harness/system';

// Attachments within bounds, end to end: a slow transcription does not hold the customer's queue
// past the media deadline, attachments' bytes are stored outside the message document, and the
// account's credentials go to Twilio's media host only.
describe('media within bounds', () => {
  let system: TestSystem;
  const cdn = new MediaServer();
  const foreign = new MediaServer();
  const assemblyai = new AssemblyAiEmulator({ apiKey: 'test-assemblyai-key' });
  const MB = 1024 * 1024;

  beforeAll(async () => {
    const [, , assemblyaiUrl] = await Promise.all([cdn.start(), foreign.start(), assemblyai.start()]);
    system = await startTestSystem({
      ASSEMBLYAI_API_KEY: 'test-assemblyai-key',
      ASSEMBLYAI_BASE_URL: assemblyaiUrl,
      ASSEMBLYAI_POLLING_INTERVAL_MS: '20',
      MESSAGING_MEDIA_DEADLINE_SECONDS: '3',
    });
  });
  afterAll(async () => {
    await system?.stop();
    await Promise.all([cdn.stop(), foreign.stop(), assemblyai.stop()]);
  });
  const cleanups: Array<() => void> = [];
  const afterThis = (cleanup: () => void) => cleanups.push(cleanup);
  afterEach(() => {
    assemblyai.reset();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** Sends an MMS with these attachments; resolves with its MessageSid. */
  async function sendMms(from: string, body: string, media: Array<{ url: string; contentType: string }>) {
    const sid = messageSid('MM');
    const params = inboundSms(from, body, { MessageSid: sid, NumMedia: String(media.length) });
    media.forEach((m, i) => {
      params[`MediaUrl${i}`] = m.url;
      params[`MediaContentType${i}`] = m.contentType;
    });
    expect((await system.webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    return sid;
  }
  /** Twilio's MediaUrl (the emulator: credentials, then a redirect) for bytes on the CDN. */
  const twilioMedia = (sid: string, path: string, file: Parameters<MediaServer['serve']>[1]) =>
    system.twilio.inboundMediaUrl(TEST_ACCOUNT_SID, sid, cdn.serve(path, file));
  const repliesTo = (to: string, count: number) =>
    eventually(
      `${count} replies to ${to}`,
      () => {
        const sent = system.twilio.sentMessages({ to });
        return sent.length >= count && sent;
      },
      40_000,
    );

  it('answers the text of a message whose voice note is still being transcribed at the deadline', async () => {
    // The transcription would take two minutes; the deadline is 3 s.
    assemblyai.setProgression({ processingDelayMs: 120_000 });
    assemblyai.enqueue('this transcript arrives far too late');
    const from = '+14155558711';
    const started = Date.now();
    const sid = messageSid('MM');
    const url = twilioMedia(sid, `/slow/${sid}`, { contentType: 'audio/wav', body: wavSine({ seconds: 0.5 }) });
    const params = inboundSms(from, 'what time do you open tomorrow?', {
      MessageSid: sid,
      NumMedia: '1',
      MediaUrl0: url,
      MediaContentType0: 'audio/wav',
    });
    expect((await system.webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    const next = inboundSms(from, 'and do you deliver?');
    expect((await system.webhook('/twilio/messaging/inbound', next)).status).toBe(200);

    await repliesTo(from, 2);
    // Both answered long before the transcription could have finished.
    expect(Date.now() - started).toBeLessThan(60_000);
    const asked = system.anthropic.requests.find((r) => lastUserText(r).includes('what time do you open tomorrow?'))!;
    expect(lastUserText(asked)).toContain('could not be read in time');
    expect(lastUserText(asked)).toContain("I couldn't read the audio file you sent in time");
    expect(system.anthropic.requests.some((r) => lastUserText(r).includes('and do you deliver?'))).toBe(true);
  });

  it("says the voice note could not be read when it was the message's only content", async () => {
    assemblyai.setProgression({ processingDelayMs: 120_000 });
    assemblyai.enqueue('too late as well');
    const from = '+14155558712';
    const sid = messageSid('MM');
    const url = twilioMedia(sid, `/slow/${sid}`, { contentType: 'audio/ogg', body: wavSine({ seconds: 0.5 }) });
    const params = inboundSms(from, '', {
      MessageSid: sid,
      NumMedia: '1',
      MediaUrl0: url,
      MediaContentType0: 'audio/ogg',
    });
    expect((await system.webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    const [reply] = await repliesTo(from, 1);
    expect(reply!.body).toContain("couldn't read the audio file you sent in time");
  });

  it('stores large attachments outside the message document (images in GridFS)', async () => {
    // 15 MB through the test database takes longer than the 3 s deadline the other tests use.
    const messaging = system.config.get().messaging;
    const deadline = messaging.mediaDeadlineSeconds;
    messaging.mediaDeadlineSeconds = 120;
    afterThis(() => (messaging.mediaDeadlineSeconds = deadline));
    const from = '+14155558713';
    const sid = messageSid('MM');
    // Four images at the per-image limit: ~20 MB as base64, more than one MongoDB document may hold.
    const imageBytes = Math.floor(3.7 * MB);
    const media = [0, 1, 2, 3].map((i) => ({
      url: twilioMedia(sid, `/big/${sid}/${i}`, {
        contentType: 'image/png',
        body: { totalBytes: imageBytes, prefix: png1x1([i, 0, 0, 255]) },
      }),
      contentType: 'image/png',
    }));
    const params = inboundSms(from, 'four photos of the damage', {
      MessageSid: sid,
      NumMedia: '4',
      ...Object.fromEntries(
        media.flatMap((m, i) => [
          [`MediaUrl${i}`, m.url],
          [`MediaContentType${i}`, m.contentType],
        ]),
      ),
    });
    expect((await system.webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    await repliesTo(from, 1);

    const doc = await system.db.collection('messages').findOne({ _id: sid as never });
    expect(BSON.calculateObjectSize(doc!)).toBeLessThan(64 * 1024);
    const files = await system.db
      .collection('media.files')
      .find({ filename: { $regex: `^${sid}#` } })
      .toArray();
    expect(files.map((f) => f.length as number)).toEqual([imageBytes, imageBytes, imageBytes, imageBytes]);
    const records = await system.db.collection('message_media').find({ messageSid: sid }).toArray();
    expect(records).toHaveLength(4);
    for (const record of records) expect(BSON.calculateObjectSize(record)).toBeLessThan(4 * 1024);
    // The model still saw every image.
    const asked = system.anthropic.requests.find((r) => lastUserText(r).includes('four photos of the damage'))!;
    const blocks = asked.messages.at(-1)!.content as Array<{ type: string }>;
    expect(blocks.filter((b) => b.type === 'image')).toHaveLength(4);
  });

  it('sends the account credentials to Twilio only: never to a foreign MediaUrl host or a redirect target', async () => {
    const from = '+14155558714';
    // A MediaUrl naming another host outright.
    const direct = foreign.serve('/direct.png', { contentType: 'image/png', body: png1x1() });
    // Twilio's MediaUrl redirecting to another host.
    const sid = messageSid('MM');
    const hop = system.twilio.inboundMediaUrl(
      TEST_ACCOUNT_SID,
      sid,
      foreign.serve('/hop.png', { contentType: 'image/png', body: png1x1() }),
    );
    await sendMms(from, 'two pictures', [
      { url: direct, contentType: 'image/png' },
      { url: hop, contentType: 'image/png' },
    ]);
    await repliesTo(from, 1);

    expect(foreign.requests.map((r) => [r.path, r.hadAuthorization])).toEqual(
      expect.arrayContaining([
        ['/direct.png', false],
        ['/hop.png', false],
      ]),
    );
    expect(foreign.requests.every((r) => !r.hadAuthorization)).toBe(true);
    // The emulator (the account's API base URL, Twilio's stand-in) did get them.
    const hopPath = new URL(hop).pathname;
    expect(system.twilio.requests.find((r) => r.path === hopPath)).toMatchObject({ accountSid: TEST_ACCOUNT_SID });
  });
});
