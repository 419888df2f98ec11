/**
 * Twilio REST emulator (API 2010-04-01 Messages/Calls/call Recordings, Conversations v1) for the real `twilio` SDK,
 * reached through createTwilioClient({ apiBaseUrl }): the first path segment names the Twilio host.
 * Plus a webhook sender that signs requests like Twilio does.
 */
export { TwilioEmulator } from './emulator';
export type { EmulatorStateView, RecordedRequest, TwilioEmulatorHooks, TwilioEmulatorOptions } from './emulator';
export type { FaultKind, FaultRuleHandle, RequestMatcher } from './faults';
export type * from './store';
export { twilioErrorBody, type TwilioErrorBody } from './errors';
export { newSid, isSid } from './sids';
export {
  sendTwilioWebhook,
  sendTwilioJsonWebhook,
  signTwilioRequest,
  bodySha256Hex,
  withBodySha256,
} from './webhook-sender';
