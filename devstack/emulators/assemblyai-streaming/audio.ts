/**
 * Test audio for the streaming emulator: speech-like mu-law (a harmonic-rich 150 Hz voice with a
 * syllable envelope, loud enough to count as voiced) and silence, cut into Twilio's 20 ms frames.
 */
import { encodeMulaw, MULAW_FRAME_BYTES, MULAW_SAMPLE_RATE, MULAW_SILENCE } from '../../../src/audio/mulaw';

export interface SpeechOptions {
  /** Fundamental frequency. Default 150 Hz. */
  pitchHz?: number;
  /** Peak amplitude in linear units. Default 9000. */
  amplitude?: number;
  /** One syllable's length; a short quiet gap follows each. Default 200 ms. */
  syllableMs?: number;
  /** Quiet gap between syllables (well under any end-of-turn silence). Default 40 ms. */
  gapMs?: number;
}

/** `ms` of 8 kHz mu-law that sounds (to an energy detector) like someone talking. */
export function speechMulaw(ms: number, options: SpeechOptions = {}): Buffer {
  const pitch = options.pitchHz ?? 150;
  const amplitude = options.amplitude ?? 9000;
  const syllable = ((options.syllableMs ?? 200) * MULAW_SAMPLE_RATE) / 1000;
  const gap = ((options.gapMs ?? 40) * MULAW_SAMPLE_RATE) / 1000;
  const period = syllable + gap;
  const count = Math.round((ms * MULAW_SAMPLE_RATE) / 1000);
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const inPeriod = i % period;
    // A rounded syllable: fast attack, a body, a decay; then near silence.
    const envelope = inPeriod < syllable ? Math.pow(Math.sin((Math.PI * inPeriod) / syllable), 0.6) : 0.02;
    const t = i / MULAW_SAMPLE_RATE;
    let voice = 0;
    for (let h = 1; h <= 8; h++) voice += Math.sin(2 * Math.PI * pitch * h * t) / h;
    samples[i] = amplitude * envelope * (voice / 2.2);
  }
  return encodeMulaw(samples);
}

/** `ms` of digital silence. */
export function silenceMulaw(ms: number): Buffer {
  return Buffer.alloc(Math.round((ms * MULAW_SAMPLE_RATE) / 1000), MULAW_SILENCE);
}

/** Splits audio into Twilio-sized 20 ms frames (the last one may be shorter). */
export function mulawFrames(audio: Buffer, frameBytes = MULAW_FRAME_BYTES): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < audio.length; i += frameBytes) frames.push(audio.subarray(i, i + frameBytes));
  return frames;
}
