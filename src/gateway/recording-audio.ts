import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Response } from 'express';
import type { TwilioAccount } from '../config/schema';
import { rewriteTwilioUri } from '../telephony/twilio/client';
import { ApiError } from './api-error';

/** Twilio's media host answers quickly or not at all; the page's player retries. */
const FETCH_TIMEOUT_MS = 15_000;
/** Headers of Twilio's answer the player needs (seeking by Range included). */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag'];

/**
 * Streams a recording's audio (WAV) from Twilio to the operator, authenticated with the account's own
 * credentials (HTTP Basic, what recordings with "Enforce HTTP Auth" need): the browser never holds
 * them. A redirect to another origin (Twilio's pre-signed storage URL) is followed without them.
 */
export async function streamRecordingAudio(
  account: Pick<TwilioAccount, 'accountSid' | 'authToken' | 'apiBaseUrl'>,
  recordingSid: string,
  range: string | undefined,
  res: Response,
): Promise<void> {
  const canonical = `https://api.twilio.com/2010-04-01/Accounts/${account.accountSid}/Recordings/${recordingSid}.wav`;
  const url = account.apiBaseUrl ? rewriteTwilioUri(canonical, account.apiBaseUrl) : canonical;
  const auth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;
  const rangeHeader: Record<string, string> = range && /^bytes=\d*-\d*$/.test(range) ? { range } : {};
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  let upstream = await fetch(url, { headers: { authorization: auth, ...rangeHeader }, redirect: 'manual', signal });
  const location = upstream.headers.get('location');
  if (upstream.status >= 300 && upstream.status < 400 && location) {
    await upstream.body?.cancel();
    const next = new URL(location, url);
    const sameOrigin = next.origin === new URL(url).origin;
    upstream = await fetch(next, {
      headers: { ...(sameOrigin ? { authorization: auth } : {}), ...rangeHeader },
      signal,
    });
  }
  if (upstream.status === 404) {
    await upstream.body?.cancel();
    throw new ApiError(404, `recording ${recordingSid}: Twilio has no audio for it (deleted, or still processing)`);
  }
  if (!upstream.ok || !upstream.body) {
    await upstream.body?.cancel();
    throw new ApiError(502, `recording ${recordingSid}: Twilio answered ${upstream.status}`);
  }
  res.status(upstream.status);
  for (const name of PASSED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) res.setHeader(name, value);
  }
  res.setHeader('cache-control', 'private, no-store');
  await new Promise<void>((resolve, reject) => {
    const body = Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>);
    body.on('error', reject);
    res.on('close', () => {
      body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}
