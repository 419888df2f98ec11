/**
 * Text-to-speech behind a small provider-neutral interface. Output is what Twilio Media Streams
 * play without conversion: raw G.711 mu-law, 8 kHz, mono, no container header.
 */

import { ProviderError, type ProviderErrorDetails } from '../providers/provider-error';

export interface SynthesisOptions {
  /**
   * Cancels the synthesis (barge-in, hang-up). Aborting ends the iteration quietly, without an
   * error, and releases the provider request at once.
   */
  signal: AbortSignal;
}

export interface TextToSpeech {
  /**
   * Streams the audio of `text` as it is produced: raw mu-law 8 kHz mono, in chunks of any size
   * (not aligned to 20 ms frames). Blank text yields nothing. Failures throw {@link TtsError}.
   * Breaking out of the loop early also cancels the provider request.
   */
  synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer>;
}

/** A synthesis failed. Messages never carry credentials. */
export class TtsError extends ProviderError {
  constructor(message: string, details: ProviderErrorDetails) {
    super('tts', message, details);
    this.name = 'TtsError';
  }
}
