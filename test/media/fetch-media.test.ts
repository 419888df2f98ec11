/** fetchMedia / probeMedia against local media servers playing Twilio and its CDN. */
import {
  fetchMedia,
  MediaFetchError,
  MediaTooLargeError,
  MediaTypeMismatchError,
  probeMedia,
} from '../../src/media/fetch-media';
import { MediaServer, type MediaServerRequest } from '../../devstack/emulators/media-server';
import { png1x1 } from './fixtures';
import { rejection } from '../harness/rejection';

const auth = { username: 'AC00000000000000000000000000000001', password: 'twilio-auth-token-secret' };
const MB = 1024 * 1024;
const twilio = new MediaServer();
const cdn = new MediaServer();

/** Waits until the server side of each request is over, so `completed` and `bytesSent` are final. */
async function settled(requests: MediaServerRequest[]): Promise<MediaServerRequest[]> {
  await Promise.all(requests.map((request) => request.closed));
  return requests;
}

beforeAll(async () => {
  await Promise.all([twilio.start(), cdn.start()]);
});

afterEach(() => {
  twilio.reset();
  cdn.reset();
});

afterAll(async () => {
  await Promise.all([twilio.stop(), cdn.stop()]);
});

describe('credentials and redirects', () => {
  it('sends credentials to the Twilio host but not to the CDN it redirects to', async () => {
    const image = png1x1();
    const cdnUrl = cdn.serve('/media/0a1b2c', { contentType: 'image/png', body: image });
    const url = twilio.redirect('/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1', cdnUrl, { requireAuth: auth });

    const fetched = await fetchMedia(url, { auth, maxBytes: MB, declaredContentType: 'image/png' });

    expect(fetched.bytes.equals(image)).toBe(true);
    expect(fetched.servedContentType).toBe('image/png');
    expect(twilio.requests).toEqual([
      expect.objectContaining({ hadAuthorization: true, username: auth.username, status: 307 }),
    ]);
    expect(cdn.requests).toEqual([
      expect.objectContaining({ hadAuthorization: false, username: undefined, status: 200 }),
    ]);
  });

  it('keeps credentials on a redirect within the same origin', async () => {
    const image = png1x1();
    twilio.serve('/final', { contentType: 'image/png', body: image, requireAuth: auth });
    const url = twilio.redirect('/start', '/final', { status: 302, requireAuth: auth });

    const fetched = await fetchMedia(url, { auth, maxBytes: MB });

    expect(fetched.bytes.equals(image)).toBe(true);
    expect(twilio.requests.map((r) => [r.path, r.username])).toEqual([
      ['/start', auth.username],
      ['/final', auth.username],
    ]);
  });

  it('reports a 401 when the credentials are wrong', async () => {
    const url = twilio.serve('/secret', { contentType: 'image/png', body: png1x1(), requireAuth: auth });

    const error = await rejection(fetchMedia(url, { auth: { ...auth, password: 'wrong' }, maxBytes: MB }));

    expect(error).toBeInstanceOf(MediaFetchError);
    expect(error).toMatchObject({ status: 401 });
  });

  it('gives up on redirect loops', async () => {
    twilio.redirect('/a', twilio.url('/b'));
    const url = twilio.redirect('/b', twilio.url('/a'));

    const error = await rejection(fetchMedia(url, { maxBytes: MB, maxRedirects: 3 }));

    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as Error).message).toMatch(/more than 3 redirects/);
    expect(twilio.requests).toHaveLength(4);
  });

  it('refuses to send credentials over plain HTTP to a non-local host, without connecting', async () => {
    const error = await rejection(fetchMedia('http://media.example.invalid/x.png', { auth, maxBytes: MB }));
    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as Error).message).toMatch(/plain HTTP/);
  });

  it('refuses URLs with embedded credentials without echoing them', async () => {
    const error = await rejection(
      fetchMedia(`${twilio.url('/x').replace('http://', 'http://user:hunter2@')}`, { maxBytes: MB }),
    );
    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as Error).message).not.toContain('hunter2');
    expect(twilio.requests).toHaveLength(0);
  });
});

describe('size limits', () => {
  it('refuses a declared Content-Length over the limit without reading the body', async () => {
    const total = 64 * MB;
    const url = twilio.serve('/big.png', { contentType: 'image/png', body: { totalBytes: total, prefix: png1x1() } });

    const error = await rejection(fetchMedia(url, { maxBytes: MB }));

    expect(error).toBeInstanceOf(MediaTooLargeError);
    expect(error).toMatchObject({ sizeBytes: total, limitBytes: MB, measuredBy: 'content-length' });
    const [request] = await settled(twilio.requestsFor('/big.png'));
    expect(request?.completed).toBe(false);
    expect(request?.bytesSent).toBeLessThan(total / 2);
  });

  it.each(['chunked', 'close'] as const)(
    'counts bytes when there is no Content-Length (%s) and stops just past the limit',
    async (framing) => {
      const total = 64 * MB;
      const url = twilio.serve('/stream.png', {
        contentType: 'image/png',
        body: { totalBytes: total, prefix: png1x1() },
        framing,
      });

      const error = await rejection(fetchMedia(url, { maxBytes: MB }));

      expect(error).toBeInstanceOf(MediaTooLargeError);
      expect(error).toMatchObject({ limitBytes: MB, measuredBy: 'streamed' });
      expect((error as MediaTooLargeError).sizeBytes).toBeGreaterThan(MB);
      expect((error as MediaTooLargeError).sizeBytes).toBeLessThan(2 * MB);
      const [request] = await settled(twilio.requestsFor('/stream.png'));
      expect(request?.completed).toBe(false);
      expect(request?.bytesSent).toBeLessThan(total / 2);
    },
  );

  it('counts decoded bytes when a small Content-Length describes a gzip body that inflates past the limit', async () => {
    const url = twilio.serve('/bomb.png', {
      contentType: 'image/png',
      body: { totalBytes: 16 * MB, prefix: png1x1() },
      gzip: true,
    });

    const error = await rejection(fetchMedia(url, { maxBytes: MB }));

    expect(twilio.requestsFor('/bomb.png')[0]?.bytesSent).toBeLessThan(MB); // the header looked harmless
    expect(error).toBeInstanceOf(MediaTooLargeError);
    expect(error).toMatchObject({ measuredBy: 'streamed', limitBytes: MB });
  });

  it('accepts a body exactly at the limit', async () => {
    const url = twilio.serve('/exact', {
      contentType: 'image/png',
      body: { totalBytes: 100_000, prefix: png1x1() },
      framing: 'chunked',
    });

    const fetched = await fetchMedia(url, { maxBytes: 100_000 });

    expect(fetched.bytes.length).toBe(100_000);
  });
});

describe('content types, statuses and time', () => {
  it('refuses content of another kind than declared (an HTML error page served with 200)', async () => {
    const url = twilio.serve('/page', {
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from('<html>Sign in</html>'),
    });

    const error = await rejection(fetchMedia(url, { maxBytes: MB, declaredContentType: 'image/jpeg' }));

    expect(error).toBeInstanceOf(MediaTypeMismatchError);
    expect((error as Error).message).toBe('declared image/jpeg but the server sent text/html');
  });

  it('accepts a generic served type', async () => {
    const url = twilio.serve('/generic', { contentType: 'application/octet-stream', body: png1x1() });
    await expect(fetchMedia(url, { maxBytes: MB, declaredContentType: 'image/png' })).resolves.toMatchObject({
      servedContentType: 'application/octet-stream',
    });
  });

  it('reports the HTTP status of a missing file', async () => {
    const error = await rejection(fetchMedia(twilio.url('/nothing-here'), { maxBytes: MB }));
    expect(error).toBeInstanceOf(MediaFetchError);
    expect(error).toMatchObject({
      status: 404,
      message: expect.stringMatching(/^HTTP 404 from 127\.0\.0\.1:\d+$/) as unknown,
    });
  });

  it('times out a server that does not answer', async () => {
    const url = twilio.serve('/slow', { contentType: 'image/png', body: png1x1(), delayMs: 3000 });
    const started = Date.now();

    const error = await rejection(fetchMedia(url, { maxBytes: MB, timeoutMs: 200 }));

    expect(error).toBeInstanceOf(MediaFetchError);
    expect(error).toMatchObject({ status: undefined, message: 'timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a host that refuses connections', async () => {
    const gone = new MediaServer();
    const url = `${await gone.start()}/x.png`;
    await gone.stop();

    const error = await rejection(fetchMedia(url, { maxBytes: MB }));

    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as Error).message).toMatch(/could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});

describe('probeMedia', () => {
  it('reads type and size from the headers and drops the body', async () => {
    const total = 64 * MB;
    const cdnUrl = cdn.serve('/clip.mp4', { contentType: 'video/mp4', body: { totalBytes: total } });
    const url = twilio.redirect('/ME2', cdnUrl, { requireAuth: auth });

    const probe = await probeMedia(url, { auth, declaredContentType: 'video/mp4' });

    expect(probe).toEqual({ servedContentType: 'video/mp4', sizeBytes: total });
    const [request] = await settled(cdn.requestsFor('/clip.mp4'));
    expect(request).toMatchObject({ hadAuthorization: false, completed: false });
    expect(request?.bytesSent).toBeLessThan(total / 2);
  });

  it('has no size when the server sends none', async () => {
    const url = twilio.serve('/clip.webm', {
      contentType: 'video/webm',
      body: { totalBytes: 10_000 },
      framing: 'chunked',
    });
    await expect(probeMedia(url, {})).resolves.toEqual({ servedContentType: 'video/webm', sizeBytes: undefined });
  });
});
