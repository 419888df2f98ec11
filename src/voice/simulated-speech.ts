import { MULAW_FRAME_BYTES, MULAW_SAMPLE_RATE, MULAW_SILENCE, encodeMulaw } from '../audio/mulaw';

/** About how long a person takes to say `text` (2.8 words a second), bounded: a sandbox caller's line. */
export function speakingTimeMs(text: string): number {
  const words = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.min(8000, Math.max(800, words * 350 + 250));
}

/**
 * Voiced 20 ms mu-law frames lasting `durationMs`: a vowel-like tone with a syllable rhythm, loud enough
 * for any energy detector (the emulated speech recognition and the loop's barge-in VAD) to hear speech.
 * The words come from the emulator's script, not from this audio.
 */
export function voicedFrames(durationMs: number): Buffer[] {
  const count = Math.max(1, Math.round(durationMs / 20));
  const frames: Buffer[] = [];
  const samples = new Int16Array(MULAW_FRAME_BYTES);
  for (let f = 0; f < count; f++) {
    for (let i = 0; i < MULAW_FRAME_BYTES; i++) {
      const t = (f * MULAW_FRAME_BYTES + i) / MULAW_SAMPLE_RATE;
      // 4 syllables a second that never fall silent; two formant-like partials over a 140 Hz voice.
      const envelope = 0.65 + 0.35 * Math.sin(2 * Math.PI * 4 * t);
      const voice = Math.sin(2 * Math.PI * 140 * t) + 0.5 * Math.sin(2 * Math.PI * 700 * t);
      samples[i] = Math.round(6000 * envelope * voice);
    }
    frames.push(encodeMulaw(samples));
  }
  return frames;
}

/** One silent 20 ms frame. */
export function silentFrame(): Buffer {
  return Buffer.alloc(MULAW_FRAME_BYTES, MULAW_SILENCE);
}
