/**
 * The microphone's rate (44.1 or 48 kHz, whatever the AudioContext runs at) down to the 8 kHz of a
 * phone line, chunk by chunk. Each output sample averages the input samples it spans: a box filter,
 * enough to keep the tones above 4 kHz from folding back into speech as noise.
 */
export class Downsampler {
  private readonly ratio: number;
  /** Input samples not consumed yet (the tail of the previous chunk). */
  private pending = new Float32Array(0);
  /** Where the next output sample starts, in `pending`'s samples (fractional). */
  private position = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate = 8000,
  ) {
    if (!(inputRate >= outputRate)) throw new Error(`cannot downsample ${inputRate} Hz to ${outputRate} Hz`);
    this.ratio = inputRate / outputRate;
  }

  push(input: Float32Array): Float32Array {
    const samples = new Float32Array(this.pending.length + input.length);
    samples.set(this.pending);
    samples.set(input, this.pending.length);
    const out: number[] = [];
    while (this.position + this.ratio <= samples.length) {
      const start = Math.floor(this.position);
      const end = Math.max(start + 1, Math.floor(this.position + this.ratio));
      let sum = 0;
      for (let i = start; i < end; i++) sum += samples[i] ?? 0;
      out.push(sum / (end - start));
      this.position += this.ratio;
    }
    const consumed = Math.floor(this.position);
    this.pending = samples.slice(consumed);
    this.position -= consumed;
    return Float32Array.from(out);
  }
}

/** Cuts a byte stream into frames of `size` (160 bytes: 20 ms of 8 kHz mu-law, what Twilio sends). */
export class Framer {
  private buffer = new Uint8Array(0);

  constructor(readonly size = 160) {}

  push(bytes: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.length);
    const frames: Uint8Array[] = [];
    let offset = 0;
    for (; offset + this.size <= joined.length; offset += this.size)
      frames.push(joined.slice(offset, offset + this.size));
    this.buffer = joined.slice(offset);
    return frames;
  }
}
