/**
 * Voyage AI embeddings emulator for the real `voyageai` SDK, reached through
 * `new VoyageAIClient({ apiKey, baseUrl: emulator.baseUrl })` once `await emulator.start()` resolved.
 */
export { VoyageEmulator } from './emulator';
export type * from './types';
