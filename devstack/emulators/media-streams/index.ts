/**
 * Emulated Twilio for bidirectional Media Streams: `MediaStreamsCaller.connect(url, …)` dials the
 * app's WebSocket server and behaves like a phone call on Twilio's side (real-time inbound frames,
 * real-time playback of the app's audio, mark/clear semantics), recording everything for assertions.
 * `ConnectedCall` adds what Twilio does around the streams: the `<Connect>` action URL when a
 * stream ends from the app's side, and the TwiML it answers (another stream, or a hang-up).
 */
export { MediaStreamsCaller, MediaStreamsConnectError } from './caller';
export { ConnectedCall, parseVoiceTwiml } from './connected-call';
export type * from './types';
