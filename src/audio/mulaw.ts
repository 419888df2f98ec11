/**
 * G.711 mu-law (the telephone network's 8-bit companding, what Twilio Media Streams carry).
 * Tables are built once so the per-frame work is a lookup.
 */
const BIAS = 0x84;
const CLIP = 32635;

/** 20 ms of 8 kHz mono mu-law: one Twilio media frame. */
export const MULAW_FRAME_BYTES = 160;
export const MULAW_SAMPLE_RATE = 8000;
/** The byte a silent sample encodes to. */
export const MULAW_SILENCE = 0xff;

function encodeSample(sample: number): number {
  let s = Math.max(-CLIP, Math.min(CLIP, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeByte(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return sign ? -magnitude : magnitude;
}

const DECODE_TABLE = Int16Array.from({ length: 256 }, (_, b) => decodeByte(b));

/** 16-bit linear PCM samples → mu-law bytes. */
export function encodeMulaw(samples: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encodeSample(samples[i]!);
  return out;
}

/** mu-law bytes → 16-bit linear PCM samples. */
export function decodeMulaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = DECODE_TABLE[bytes[i]!]!;
  return out;
}

/** Root-mean-square level of mu-law audio in linear units (0 for digital silence, ~32767 max). */
export function mulawRms(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) {
    const v = DECODE_TABLE[bytes[i]!]!;
    sum += v * v;
  }
  return Math.sqrt(sum / bytes.length);
}

/** Duration in milliseconds of `bytes` of 8 kHz mu-law. */
export function mulawDurationMs(bytes: number): number {
  return (bytes * 1000) / MULAW_SAMPLE_RATE;
}

/**
 * Sum of the squared linear values of mu-law bytes in [start, end): lets a caller measure energy over
 * windows that straddle buffer boundaries without copying.
 */
export function mulawSumOfSquares(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const v = DECODE_TABLE[bytes[i]!]!;
    sum += v * v;
  }
  return sum;
}
