/**
 * AssemblyAI async transcription emulator (upload, create, poll) for the real `assemblyai` SDK,
 * reached through `new AssemblyAI({ apiKey, baseUrl })`.
 */
export { AssemblyAiEmulator } from './emulator';
export type * from './types';
