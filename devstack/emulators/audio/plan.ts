/** Where words and syllables fall in a generated utterance, and which vowel each syllable carries. */

/** Formant frequencies (Hz) of a few vowels, from Peterson & Barney's averages. */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440], // "a" as in father
  [270, 2290, 3010], // "i" as in beet
  [300, 870, 2240], // "u" as in boot
  [530, 1840, 2480], // "e" as in bet
  [570, 840, 2410], // "o" as in bought
  [660, 1720, 2410], // "ae" as in bat
  [440, 1020, 2240], // "uh" as in but
];

interface Syllable {
  start: number;
  end: number;
  vowel: readonly [number, number, number];
}

export interface Word {
  start: number;
  end: number;
  syllables: Syllable[];
  /** Per-word pitch offset (ratio), so sentences have some intonation. */
  pitch: number;
}

const MS = 8; // samples per millisecond at 8 kHz

/**
 * Words of 250-600 ms separated by 40-100 ms gaps; syllables of ~180-250 ms (4-5.5 Hz).
 * The utterance starts and ends inside a word, so its last sample is speech: the end of the
 * audio is the end of speech, which is what latency measurements key on.
 */
export function planWords(totalSamples: number, random: () => number): Word[] {
  const words: Word[] = [];
  let cursor = 0;
  while (cursor < totalSamples) {
    let end = cursor + Math.round((250 + random() * 350) * MS);
    const gap = Math.round((40 + random() * 60) * MS);
    // Too little left for another word after the gap: this word runs to the end.
    if (totalSamples - (end + gap) < 200 * MS) end = totalSamples;
    end = Math.min(end, totalSamples);
    words.push({ start: cursor, end, syllables: planSyllables(cursor, end, random), pitch: 0.92 + random() * 0.16 });
    cursor = end + gap;
  }
  return words;
}

function planSyllables(start: number, end: number, random: () => number): Syllable[] {
  const length = end - start;
  const count = Math.max(1, Math.round(length / ((180 + random() * 70) * MS)));
  const syllables: Syllable[] = [];
  for (let i = 0; i < count; i++) {
    const vowel = VOWELS[Math.floor(random() * VOWELS.length)] ?? VOWELS[0]!;
    syllables.push({
      start: start + Math.round((i * length) / count),
      end: start + Math.round(((i + 1) * length) / count),
      vowel,
    });
  }
  return syllables;
}
