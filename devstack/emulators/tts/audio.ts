/**
 * Identifiable synthetic "speech": the audio of request k is a 1 kHz square wave between two
 * mu-law bytes unique to k, so a test can tell which synthesis any frame that reached the caller
 * came from. Both bytes are loud (|sample| >= ~2000), so voice-activity checks see speech.
 */
import { MULAW_SAMPLE_RATE } from '../../../src/audio/mulaw';

/** Distinct signatures: 64 negative levels x 64 positive levels. */
export const SIGNATURE_CAPACITY = 4096;
/** Samples per half period: 4 at 8 kHz gives a 1 kHz tone, well inside the telephone band. */
const HALF_PERIOD = 4;
const PERIOD = 2 * HALF_PERIOD;
const LEVELS = 64;
/** mu-law bytes 0x00-0x3F are loud negative samples, 0x80-0xBF loud positive ones. */
const POSITIVE = 0x80;

/** The two bytes (negative level, positive level) the audio of request k alternates between. */
export function signatureOf(k: number): [negative: number, positive: number] {
  const s = k % SIGNATURE_CAPACITY;
  return [s % LEVELS, POSITIVE + Math.floor(s / LEVELS)];
}

/** Bytes `[offset, offset + length)` of request k's audio (phase follows the absolute offset). */
export function signatureAudio(k: number, offset: number, length: number): Buffer {
  const [negative, positive] = signatureOf(k);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (offset + i) % PERIOD < HALF_PERIOD ? negative : positive;
  return out;
}

/** Audio bytes of a synthesis of `text`, in whole periods of the tone. */
export function plannedAudioBytes(text: string, msPerChar: number, minDurationMs: number): number {
  const ms = Math.max(minDurationMs, text.length * msPerChar);
  return Math.ceil((ms * MULAW_SAMPLE_RATE) / 1000 / PERIOD) * PERIOD;
}

function isSignatureByte(byte: number): boolean {
  return (byte >= 0 && byte < LEVELS) || (byte >= POSITIVE && byte < POSITIVE + LEVELS);
}

/**
 * Signatures (mod {@link SIGNATURE_CAPACITY}) present in `bytes`, in order of first appearance.
 * A signature counts only as a run of x, a run of y, then x again (x, y of opposite sign), so the
 * seam between two syntheses, or a cut-off partial period, is never mistaken for a third one.
 */
export function findSignatures(bytes: Uint8Array): number[] {
  const found: number[] = [];
  const seen = new Set<number>();
  // The last three distinct run values.
  let a = -1;
  let b = -1;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === b) continue;
    if (c === a && isSignatureByte(a) && isSignatureByte(b) && a < POSITIVE !== b < POSITIVE) {
      const negative = Math.min(a, b);
      const positive = Math.max(a, b);
      const s = (positive - POSITIVE) * LEVELS + negative;
      if (!seen.has(s)) {
        seen.add(s);
        found.push(s);
      }
    }
    a = b;
    b = c;
  }
  return found;
}
