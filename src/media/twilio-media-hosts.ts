/**
 * Which hosts may receive an account's `AccountSid:AuthToken` when fetching an inbound MediaUrl.
 *
 * Twilio's inbound MediaUrl is `https://api.twilio.com/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`
 * (Conversations media: `mcs.<region>.twilio.com`; regional API hosts: `api.<edge>.<region>.twilio.com`).
 * With "Enforce HTTP Auth on Media URLs" it answers with a redirect to a short-lived pre-signed URL on
 * `mms.twiliocdn.com` (without: `s3-external-1.amazonaws.com`); those need no credentials and never get
 * them (fetch-media keeps credentials on the original origin). So credentials go to HTTPS `*.twilio.com`
 * and to the account's configured API base URL (an emulator in development and tests), nowhere else.
 */

/** Twilio's own domain; every host Twilio names in a MediaUrl that needs our credentials is under it. */
const TWILIO_DOMAIN = 'twilio.com';

export function mayReceiveTwilioCredentials(url: string, apiBaseUrl?: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (apiBaseUrl !== undefined && sameOrigin(target, apiBaseUrl)) return true;
  const host = target.hostname.toLowerCase();
  return target.protocol === 'https:' && !target.port && (host === TWILIO_DOMAIN || host.endsWith(`.${TWILIO_DOMAIN}`));
}

function sameOrigin(target: URL, base: string): boolean {
  try {
    return new URL(base).origin === target.origin;
  } catch {
    return false;
  }
}
