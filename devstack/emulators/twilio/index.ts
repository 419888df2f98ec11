/**
 * Twilio REST emulator (API 2010-04-01 Messages/Calls/call Recordings, Conversations v1) for the real `twilio` SDK,
 * reached through createTwilioClient({ apiBaseUrl }): the first path segment names the Twilio host.
 * Plus a webhook sender that signs requests like Twilio does.
 */
export { TwilioEmulator } from './emulator';
export type * from './store';
export { newSid } from './sids';
export { sendTwilioWebhook, signTwilioRequest } from './webhook-sender';
