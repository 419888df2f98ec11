/**
 * Emulated Twilio for bidirectional Media Streams: `MediaStreamsCaller.connect(url, …)` dials the
 * app's WebSocket server and behaves like a phone call on Twilio's side (real-time inbound frames,
 * real-time playback of the app's audio, mark/clear semantics), recording everything for assertions.
 */
export { MediaStreamsCaller, MediaStreamsConnectError } from './caller';
export type * from './types';
