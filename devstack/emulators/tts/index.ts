/**
 * ElevenLabs-compatible streaming TTS emulator for `ElevenLabsTts` via
 * `new ElevenLabsTts({ apiKey, voiceId, modelId, baseUrl: await emulator.start() })`.
 * Request k's audio is a square wave unique to k: `emulator.identify(bytes)` says which requests
 * the audio a caller heard came from, `emulator.textOf(k)` what they said.
 */
export { TtsEmulator } from './emulator';
export { findSignatures, SIGNATURE_CAPACITY, signatureAudio, signatureOf } from './audio';
export type * from './types';
