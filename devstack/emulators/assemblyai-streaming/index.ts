/**
 * AssemblyAI Universal-Streaming (v3) emulator for the real `assemblyai` SDK, reached through
 * `client.streaming.transcriber({ websocketBaseUrl: await emulator.start(), apiKey: DEFAULT_STREAMING_API_KEY, ... })`.
 */
export { AssemblyAiStreamingEmulator, DEFAULT_STREAMING_API_KEY } from './emulator';
export { mulawFrames, silenceMulaw, speechMulaw } from './audio';
export type * from './types';
