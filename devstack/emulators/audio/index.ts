/**
 * Deterministic test audio in Twilio's format (8 kHz mono mu-law, 160-byte / 20 ms frames):
 * speech-like utterances, digital silence and a short cough, plus frame helpers.
 */
import { MULAW_FRAME_BYTES, MULAW_SILENCE, encodeMulaw, mulawRms } from '../../../src/audio/mulaw';
import { coughSamples, speechSamples } from './synth';

/** Frames above this linear RMS count as voiced; generated speech sits well above it, silence at 0. */
const VOICED_RMS_THRESHOLD = 500;

/** Benchmarks ask for the same few utterances for hundreds of callers: synthesize each once. */
const speechCache = new Map<string, Buffer>();
const SPEECH_CACHE_ENTRIES = 64;

/** `durationMs` of speech-like mu-law; the same seed always gives the same bytes. Ends in speech. */
export function speech(durationMs: number, seed = 1): Buffer {
  const key = `${durationMs}:${seed}`;
  let audio = speechCache.get(key);
  if (audio === undefined) {
    audio = encodeMulaw(speechSamples(durationMs, seed));
    if (speechCache.size >= SPEECH_CACHE_ENTRIES) speechCache.delete(speechCache.keys().next().value!);
    speechCache.set(key, audio);
  }
  // A copy, so a caller that edits its buffer cannot corrupt everyone else's.
  return Buffer.from(audio);
}

/** `durationMs` of digital silence (0xFF), what Twilio sends when nobody talks on a clean line. */
export function silence(durationMs: number): Buffer {
  return Buffer.alloc(Math.max(0, Math.round(durationMs * 8)), MULAW_SILENCE);
}

/** A ~80 ms cough: loud enough to trip an energy detector, too short to be a barge-in. */
export function cough(seed = 1, durationMs = 80): Buffer {
  return encodeMulaw(coughSamples(durationMs, seed));
}

/** Splits audio into 160-byte frames (views, not copies); a short last frame is padded with silence. */
export function frames(audio: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += MULAW_FRAME_BYTES) {
    const frame = audio.subarray(offset, offset + MULAW_FRAME_BYTES);
    if (frame.length === MULAW_FRAME_BYTES) out.push(frame);
    else out.push(Buffer.concat([frame, Buffer.alloc(MULAW_FRAME_BYTES - frame.length, MULAW_SILENCE)]));
  }
  return out;
}

function isVoicedFrame(frame: Uint8Array, threshold = VOICED_RMS_THRESHOLD): boolean {
  return mulawRms(frame) > threshold;
}

/** Share of 20 ms frames an RMS voice detector would call voiced. */
export function voicedFrameRatio(audio: Buffer, threshold = VOICED_RMS_THRESHOLD): number {
  const all = frames(audio);
  if (all.length === 0) return 0;
  return all.filter((frame) => isVoicedFrame(frame, threshold)).length / all.length;
}
