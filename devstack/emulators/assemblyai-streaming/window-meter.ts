/**
 * Splits a session's audio into 20 ms windows by audio time (bytes received, not wall clock) and
 * reports each window's RMS. Windows straddle messages; nothing is copied or allocated per message.
 */
import { mulawSumOfSquares } from '../../../src/audio/mulaw';

export const WINDOW_MS = 20;

export type StreamingEncoding = 'pcm_mulaw' | 'pcm_s16le';

export interface WindowSink {
  /** `endMs`: audio time at the end of the window. */
  onWindow(rms: number, endMs: number): void;
}

export class WindowMeter {
  readonly bytesPerSample: number;
  private readonly windowSamples: number;
  private sumOfSquares = 0;
  private inWindow = 0;
  private samples = 0;
  /** Low byte of a 16-bit sample split across two messages, or -1. */
  private carry = -1;

  constructor(
    readonly encoding: StreamingEncoding,
    readonly sampleRate: number,
    private readonly sink: WindowSink,
  ) {
    this.bytesPerSample = encoding === 'pcm_mulaw' ? 1 : 2;
    this.windowSamples = Math.max(1, Math.round((sampleRate * WINDOW_MS) / 1000));
  }

  /** Audio received so far, in ms. */
  get audioMs(): number {
    return (this.samples * 1000) / this.sampleRate;
  }

  /** Duration of `bytes` of this session's audio, in ms. */
  durationMs(bytes: number): number {
    return (bytes * 1000) / (this.bytesPerSample * this.sampleRate);
  }

  feed(data: Uint8Array): void {
    if (this.encoding === 'pcm_mulaw') this.feedMulaw(data);
    else this.feedS16le(data);
  }

  private feedMulaw(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const take = Math.min(this.windowSamples - this.inWindow, data.length - i);
      this.sumOfSquares += mulawSumOfSquares(data, i, i + take);
      this.inWindow += take;
      this.samples += take;
      i += take;
      if (this.inWindow === this.windowSamples) this.closeWindow();
    }
  }

  private feedS16le(data: Uint8Array): void {
    let i = 0;
    if (this.carry >= 0 && data.length > 0) {
      this.addSample((((data[0]! << 8) | this.carry) << 16) >> 16);
      this.carry = -1;
      i = 1;
    }
    for (; i + 1 < data.length; i += 2) this.addSample((((data[i + 1]! << 8) | data[i]!) << 16) >> 16);
    if (i < data.length) this.carry = data[i]!;
  }

  private addSample(v: number): void {
    this.sumOfSquares += v * v;
    this.inWindow++;
    this.samples++;
    if (this.inWindow === this.windowSamples) this.closeWindow();
  }

  private closeWindow(): void {
    const rms = Math.sqrt(this.sumOfSquares / this.inWindow);
    this.sumOfSquares = 0;
    this.inWindow = 0;
    this.sink.onWindow(rms, this.audioMs);
  }
}
