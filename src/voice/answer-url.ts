import { withConnectionOverrides } from '../telephony/twilio/connection-overrides';

/**
 * The voice webhook URL Twilio fetches when a call we placed is answered. It says whether the
 * call's create request records it (`recorded=true|false`), so the gateway can have the callee
 * hear the recording announcement whatever `voice.record` says. Twilio signs the full URL it
 * calls, query included, so `X-Twilio-Signature` vouches for this flag like for the form fields.
 */
export function placedCallAnswerUrl(publicUrl: string, recorded: boolean): string {
  return withConnectionOverrides(`${publicUrl.replace(/\/+$/, '')}/twilio/voice/incoming?recorded=${String(recorded)}`);
}

/** The `recorded` flag of {@link placedCallAnswerUrl}'s query; undefined when absent or not `true`/`false`. */
export function recordedByCreateRequest(query: Record<string, unknown>): boolean | undefined {
  const value = query.recorded;
  return value === 'true' ? true : value === 'false' ? false : undefined;
}
