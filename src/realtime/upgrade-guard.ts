import type http from 'node:http';
import type { Config } from '../config/schema';
import { isValidTwilioSignature } from '../telephony/twilio/signature';
import { mediaStreamUrl } from '../voice/twiml';

/**
 * Twilio signs the WebSocket upgrade of a Media Stream like a webhook with no body: X-Twilio-Signature
 * over the wss URL it was told to open (the TwiML's `<Stream url>`: MEDIA_STREAM_URL, or the one built
 * from PUBLIC_URL). The upgrade does not name the account, so any configured account's token may match.
 * Absent header: the stream token in `start` still protects the stream.
 */
export function upgradeSignature(config: Config, req: http.IncomingMessage): 'absent' | 'valid' | 'invalid' {
  const header = req.headers['x-twilio-signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  if (signature === undefined) return 'absent';
  // The exact string the TwiML gave Twilio. Twilio refuses a query on a stream URL today; should one
  // arrive, it is part of what was signed.
  const streamUrl = config.voice.mediaStreamUrl ?? mediaStreamUrl(config.publicUrl);
  const query = new URL(req.url ?? '/', 'http://localhost').search;
  const url = query && !streamUrl.includes('?') ? streamUrl + query : streamUrl;
  const valid = config.twilio.accounts.some((account) =>
    isValidTwilioSignature({ authToken: account.authToken, url, params: {}, signature }),
  );
  return valid ? 'valid' : 'invalid';
}

/**
 * Sockets that have upgraded but not yet shown a valid stream token. Capped, so a flood of idle
 * connections cannot hold the worker's memory and file descriptors; each holds a slot for at most
 * the start timeout.
 */
export class PendingSockets {
  private count = 0;

  constructor(private readonly limit: number) {}

  /** A release function (idempotent) for the new slot, or undefined when the cap is reached. */
  admit(): (() => void) | undefined {
    if (this.count >= this.limit) return undefined;
    this.count++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.count--;
    };
  }
}
