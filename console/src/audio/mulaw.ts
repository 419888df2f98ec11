/**
 * G.711 mu-law, the telephone audio Twilio's Media Streams carry (8 kHz, 8 bits a sample). Pure
 * functions on plain arrays: the browser call encodes the microphone with them and decodes the agent.
 */

const BIAS = 0x84;
const CLIP = 32635;

/** One 16-bit linear sample → its mu-law byte. */
export function linearToMuLaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One mu-law byte → its 16-bit linear sample. */
export function muLawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return sign ? 0 - magnitude : magnitude; // not -magnitude: that makes -0 of silence
}

/** Web Audio samples (-1…1) → mu-law bytes. */
export function encodeMuLaw(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToMuLaw((samples[i] ?? 0) * 32767);
  return out;
}

const DECODE_TABLE = Float32Array.from({ length: 256 }, (_, byte) => muLawToLinear(byte) / 32768);

/** Mu-law bytes → Web Audio samples (-1…1). */
export function decodeMuLaw(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = DECODE_TABLE[bytes[i] ?? 0xff] ?? 0;
  return out;
}

/** Mu-law's silence (linear 0). */
export const MULAW_SILENCE = 0xff;
