/**
 * AssemblyAI Universal-Streaming (v3) emulator for the real `assemblyai` SDK, reached through
 * `client.streaming.transcriber({ websocketBaseUrl: await emulator.start(), apiKey: DEFAULT_STREAMING_API_KEY, ... })`.
 */
export { AssemblyAiStreamingEmulator, DEFAULT_STREAMING_API_KEY, STREAMING_PATH } from './emulator';
export { formatTurnText, unformatTurnText } from './transcripts';
export { mulawFrames, silenceMulaw, speechMulaw, type SpeechOptions } from './audio';
export type * from './types';
