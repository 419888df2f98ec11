import { MULAW_SAMPLE_RATE, encodeMulaw } from '../../../src/audio/mulaw';

/** Recordings are kept short in tests; a longer claimed duration is served as this much audio. */
const MAX_SECONDS = 60;

/**
 * A WAV file (format 7: G.711 mu-law, 8 kHz) holding a soft 440 Hz tone for `seconds`, on `channels`
 * interleaved channels: what the Twilio emulator serves as a recording's audio.
 */
export function toneWav(seconds: number, channels: 1 | 2): Buffer {
  const frames = Math.max(1, Math.round(Math.min(MAX_SECONDS, Math.max(0, seconds)) * MULAW_SAMPLE_RATE));
  const samples = new Int16Array(frames * channels);
  for (let i = 0; i < frames; i++) {
    const value = 3000 * Math.sin((2 * Math.PI * 440 * i) / MULAW_SAMPLE_RATE);
    for (let c = 0; c < channels; c++) samples[i * channels + c] = value;
  }
  const data = encodeMulaw(samples);
  const header = Buffer.alloc(46);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(38 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(MULAW_SAMPLE_RATE, 24);
  header.writeUInt32LE(MULAW_SAMPLE_RATE * channels, 28);
  header.writeUInt16LE(channels, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('data', 38, 'ascii');
  header.writeUInt32LE(data.length, 42);
  return Buffer.concat([header, data]);
}
