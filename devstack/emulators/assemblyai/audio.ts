import type { EmulatedWord, ScriptedTranscript, TranscriptionInput } from './types';

/** Duration of a PCM WAV file from its RIFF `fmt `/`data` chunks, or undefined for anything else. */
function wavDurationSeconds(bytes: Buffer): number | undefined {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE')
    return undefined;
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 8 + 8);
    if (id === 'data') return byteRate ? Math.min(size, bytes.length - offset - 8) / byteRate : undefined;
    offset += 8 + size + (size % 2); // chunks are word-aligned
  }
  return undefined;
}

/** The default script: a fixed sentence, with the duration of WAV audio when it can be read. */
export function defaultScript(input: TranscriptionInput): ScriptedTranscript {
  const duration = input.audio ? wavDurationSeconds(input.audio) : undefined;
  return {
    text: 'This is the AssemblyAI emulator speaking.',
    confidence: 0.93,
    ...(duration !== undefined ? { audioDurationSeconds: duration } : {}),
  };
}

/** Words spread evenly over the audio (or 300 ms each when its length is unknown). */
export function spreadWords(text: string, durationSeconds: number | undefined, confidence: number): EmulatedWord[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const perWordMs = durationSeconds ? (durationSeconds * 1000) / Math.max(tokens.length, 1) : 300;
  return tokens.map((token, i) => ({
    text: token,
    start: Math.round(i * perWordMs),
    end: Math.round((i + 1) * perWordMs),
    confidence,
  }));
}
