/**
 * Speech-like and cough-like linear PCM at 8 kHz: enough of speech's structure (pitch pulses,
 * formants, syllable rhythm, pauses between words) that energy- or spectrum-based voice detectors
 * and codecs treat it like a talker, while staying deterministic for a given seed.
 */
import { seededRandom } from '../shared/seeded-random';
import { planWords, type Word } from './plan';
import { Resonator } from './resonator';

const SAMPLE_RATE = 8000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/** Linear RMS at a syllable's loudest point; syllable valleys fall to ENVELOPE_FLOOR of it. */
const SPEECH_RMS = 6000;
const ENVELOPE_FLOOR = 0.35;
/** Breath/room noise between words: audible in a spectrogram, far below any voice threshold. */
const GAP_NOISE = 40;
const CLIP = 32000;
const FORMANT_BANDWIDTHS = [70, 100, 140] as const;
/** Coarticulation: formants glide to the next vowel over this long. */
const GLIDE_SAMPLES = 50 * SAMPLES_PER_MS;
const RETUNE_EVERY = 10 * SAMPLES_PER_MS;
const AGC_BLOCK = 20 * SAMPLES_PER_MS;
const EDGE_RAMP = 10 * SAMPLES_PER_MS;

/** `durationMs` of speech-like 16-bit linear samples (as floats); the same seed gives the same talker and words. */
export function speechSamples(durationMs: number, seed: number): Float64Array {
  const total = Math.max(0, Math.round(durationMs * SAMPLES_PER_MS));
  const random = seededRandom(seed);
  const out = new Float64Array(total);
  const baseF0 = 110 + random() * 70;
  for (let i = 0; i < total; i++) out[i] = (random() * 2 - 1) * GAP_NOISE;
  for (const word of planWords(total, random)) synthesizeWord(out, word, baseF0, random);
  return out;
}

function synthesizeWord(out: Float64Array, word: Word, baseF0: number, random: () => number): void {
  const length = word.end - word.start;
  const carrier = voicedCarrier(word, baseF0, random);
  const gains = levelGains(carrier);
  let syllableIndex = 0;
  for (let i = 0; i < length; i++) {
    const n = word.start + i;
    while (syllableIndex < word.syllables.length - 1 && n >= word.syllables[syllableIndex]!.end) syllableIndex++;
    const syllable = word.syllables[syllableIndex]!;
    const x = (n - syllable.start) / Math.max(1, syllable.end - syllable.start);
    const envelope = ENVELOPE_FLOOR + (1 - ENVELOPE_FLOOR) * Math.sin(Math.PI * x);
    const edge = Math.min(1, (i + 1) / EDGE_RAMP, (length - i) / EDGE_RAMP);
    const value = carrier[i]! * gains[i]! * envelope * edge * SPEECH_RMS;
    out[n] = Math.max(-CLIP, Math.min(CLIP, value));
  }
}

/** Glottal pulse train (Rosenberg pulse, differentiated for lip radiation) through three formants. */
function voicedCarrier(word: Word, baseF0: number, random: () => number): Float64Array {
  const length = word.end - word.start;
  const carrier = new Float64Array(length);
  const formants = FORMANT_BANDWIDTHS.map(() => new Resonator(SAMPLE_RATE));
  let period = 0;
  let phase = 0;
  let previousFlow = 0;
  let syllableIndex = 0;
  let previousVowel = word.syllables[0]!.vowel;
  for (let i = 0; i < length; i++) {
    const n = word.start + i;
    while (syllableIndex < word.syllables.length - 1 && n >= word.syllables[syllableIndex]!.end) {
      previousVowel = word.syllables[syllableIndex]!.vowel;
      syllableIndex++;
    }
    if (i % RETUNE_EVERY === 0) {
      const syllable = word.syllables[syllableIndex]!;
      const glide = syllableIndex === 0 ? 1 : Math.min(1, (n - syllable.start) / GLIDE_SAMPLES);
      formants.forEach((resonator, k) => {
        const frequency = previousVowel[k]! + (syllable.vowel[k]! - previousVowel[k]!) * glide;
        resonator.tune(frequency, FORMANT_BANDWIDTHS[k]!);
      });
    }
    if (phase >= period) {
      // New pitch period: declination across the word plus ~2% cycle-to-cycle jitter.
      phase -= period;
      const f0 = baseF0 * word.pitch * (1 - 0.1 * (i / length)) * (1 + 0.02 * (random() * 2 - 1));
      period = SAMPLE_RATE / f0;
    }
    const flow = glottalFlow(phase / period);
    let value = flow - previousFlow + 0.004 * (random() * 2 - 1);
    previousFlow = flow;
    for (const resonator of formants) value = resonator.step(value);
    carrier[i] = value;
    phase += 1;
  }
  return carrier;
}

/** Rosenberg glottal flow over one period (0..1): 40% opening, 16% closing, then closed. */
function glottalFlow(t: number): number {
  const open = 0.4;
  const close = 0.16;
  if (t < open) return 0.5 * (1 - Math.cos((Math.PI * t) / open));
  if (t < open + close) return Math.cos((Math.PI / 2) * ((t - open) / close));
  return 0;
}

/** Per-sample gain bringing the carrier to unit RMS, interpolated between 20 ms block levels. */
function levelGains(carrier: Float64Array): Float64Array {
  const blocks = Math.max(1, Math.ceil(carrier.length / AGC_BLOCK));
  const blockGain = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let sum = 0;
    const from = b * AGC_BLOCK;
    const to = Math.min(carrier.length, from + AGC_BLOCK);
    for (let i = from; i < to; i++) sum += carrier[i]! * carrier[i]!;
    blockGain[b] = 1 / Math.max(1e-9, Math.sqrt(sum / Math.max(1, to - from)));
  }
  const gains = new Float64Array(carrier.length);
  for (let i = 0; i < carrier.length; i++) {
    const position = i / AGC_BLOCK - 0.5;
    const left = Math.max(0, Math.min(blocks - 1, Math.floor(position)));
    const right = Math.min(blocks - 1, left + 1);
    const w = Math.max(0, Math.min(1, position - left));
    gains[i] = blockGain[left]! * (1 - w) + blockGain[right]! * w;
  }
  return gains;
}

/** A cough: a band-limited noise burst, sharp onset and fast decay (loud, but only ~2-3 frames of it). */
export function coughSamples(durationMs: number, seed: number): Float64Array {
  const total = Math.max(0, Math.round(durationMs * SAMPLES_PER_MS));
  const random = seededRandom(seed ^ 0x0c0ff);
  const low = new Resonator(SAMPLE_RATE);
  const high = new Resonator(SAMPLE_RATE);
  low.tune(500, 400);
  high.tune(1500, 700);
  const out = new Float64Array(total);
  const attack = 4 * SAMPLES_PER_MS;
  const decay = 22 * SAMPLES_PER_MS;
  for (let i = 0; i < total; i++) {
    const noise = random() * 2 - 1;
    const envelope = i < attack ? i / attack : Math.exp(-(i - attack) / decay);
    out[i] = (low.step(noise) + 0.6 * high.step(noise)) * envelope;
  }
  // Level the first 20 ms to a shout-like RMS; the tail follows the envelope.
  const head = Math.min(total, 20 * SAMPLES_PER_MS);
  let sum = 0;
  for (let i = 0; i < head; i++) sum += out[i]! * out[i]!;
  const scale = 9000 / Math.max(1e-9, Math.sqrt(sum / Math.max(1, head)));
  for (let i = 0; i < total; i++) out[i] = Math.max(-CLIP, Math.min(CLIP, out[i]! * scale));
  return out;
}
