/**
 * Attachments' digests on the real database (FerretDB in tests): stored outside the message, image
 * bytes in GridFS, the first digest of an attachment kept, and the media activity's partial
 * progress and deadline.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { MongoClient, type Db } from 'mongodb';
import { createMediaActivities } from '../../activities/media';
import { MediaServer } from '../../devstack/emulators/media-server';
import { loadConfig } from '../../src/config/load';
import { MediaStore } from '../../src/media/media-store';
import { MessageStore } from '../../src/memory/message-store';
import type { TwilioAccounts } from '../../src/telephony/twilio/accounts';
import { testStack, uniqueName } from '../harness/stack';
import { png1x1 } from './fixtures';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';

describe('the media store and the media activity', () => {
  let client: MongoClient;
  let db: Db;
  let messages: MessageStore;
  const server = new MediaServer();

  beforeAll(async () => {
    client = await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('media').replace(/-/g, '_'));
    messages = new MessageStore(db);
    await messages.ensureIndexes();
    await server.start();
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.stop();
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  });

  const png = png1x1([10, 20, 30, 255]);
  const image = {
    kind: 'image' as const,
    mediaType: 'image/png' as const,
    base64: png.toString('base64'),
    sizeBytes: png.length,
  };

  it('keeps image bytes in GridFS, reads them back only when asked, and keeps the first digest saved', async () => {
    const store = new MediaStore(db);
    const at = { messageSid: uniqueName('MM'), customerId: 'cus_store', index: 0 };
    expect(await store.saveOnce(at, image)).toBe(true);
    expect(await store.saveOnce(at, { kind: 'timed_out', contentType: 'image/png' })).toBe(false);

    const record = await db.collection('message_media').findOne({ messageSid: at.messageSid });
    const { blobId, ...stored } = record!.digest as { blobId: unknown };
    expect(stored).toEqual({ kind: 'image', mediaType: 'image/png', sizeBytes: png.length });
    expect(typeof blobId).toBe('string');
    expect(await db.collection('media.files').countDocuments({ filename: `${at.messageSid}#0` })).toBe(1);
    expect((await store.digestsOf(at.messageSid, { withImageBytes: false })).get(0)).toEqual({
      kind: 'image',
      mediaType: 'image/png',
      sizeBytes: png.length,
    });
    expect((await store.digestsOf(at.messageSid, { withImageBytes: true })).get(0)).toEqual(image);
  });

  it('forgets a customer: digests and image bytes', async () => {
    const store = new MediaStore(db);
    const at = { messageSid: uniqueName('MM'), customerId: 'cus_forgotten', index: 0 };
    await store.saveOnce(at, image);
    expect(await store.forgetCustomer('cus_forgotten')).toBe(1);
    expect(await db.collection('message_media').countDocuments({ customerId: 'cus_forgotten' })).toBe(0);
    expect(await db.collection('media.files').countDocuments({ 'metadata.customerId': 'cus_forgotten' })).toBe(0);
  });

  function activities(deadlineSeconds: number) {
    const config = loadConfig({});
    config.messaging.mediaDeadlineSeconds = deadlineSeconds;
    const twilio = {
      get: () => ({ accountSid: ACCOUNT_SID, authToken: 'token', apiBaseUrl: server.url('/') }),
    } as unknown as TwilioAccounts;
    return createMediaActivities({ config: () => config, messages, twilio });
  }
  const inActivity = <R>(fn: () => Promise<R>, scheduledTimestampMs = Date.now()) =>
    new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs }).run<[], R, () => Promise<R>>(fn);

  async function recordMms(media: Array<{ url: string; contentType: string }>): Promise<string> {
    const id = uniqueName('MM');
    await messages.recordOnce({
      id,
      customerId: 'cus_activity',
      accountSid: ACCOUNT_SID,
      direction: 'inbound',
      channel: 'sms',
      from: '+14155550100',
      to: '+15005550006',
      body: 'photos',
      status: 'received',
      media,
    });
    return id;
  }

  it('a retry digests only the attachments not saved yet', async () => {
    const first = server.serve('/first.png', { contentType: 'image/png', body: png });
    const second = server.serve('/second.png', { contentType: 'image/png', body: png });
    const id = await recordMms([
      { url: first, contentType: 'image/png' },
      { url: second, contentType: 'image/png' },
    ]);
    // The first attempt saved attachment 0 before the worker died.
    await messages.media.saveOnce({ messageSid: id, customerId: 'cus_activity', index: 0 }, image);

    const outcome = await inActivity(() => activities(30).digestInboundMedia({ messageSid: id }));

    expect(outcome).toEqual({ usable: true });
    expect(server.requests.map((r) => r.path)).toEqual(['/second.png']);
    const [history] = (await messages.recentWithMedia('cus_activity', 10)).filter((m) => m.id === id);
    expect(history!.mediaDigests).toHaveLength(2);
  });

  it('stops at the deadline counted from the first attempt: unfinished attachments are timed_out', async () => {
    const slow = server.serve('/slow.png', { contentType: 'image/png', body: png, delayMs: 10_000 });
    const id = await recordMms([{ url: slow, contentType: 'image/png' }]);
    const started = Date.now();

    // First scheduled 2 s ago, with a 3 s deadline: about a second is left for this attempt.
    const outcome = await inActivity(() => activities(3).digestInboundMedia({ messageSid: id }), Date.now() - 2_000);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.usable).toBe(false);
    expect(outcome.customerNote).toContain("couldn't read the image you sent in time");
    expect((await messages.media.digestsOf(id, { withImageBytes: false })).get(0)).toEqual({
      kind: 'timed_out',
      contentType: 'image/png',
    });
  });
});
