/**
 * Two-pole resonator (Klatt's formant filter). Unity gain at DC, so a cascade of them keeps the
 * source's level in a predictable range; coefficients can be retuned between samples without
 * clicks because the state carries over.
 */
export class Resonator {
  private a = 1;
  private b = 0;
  private c = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(private readonly sampleRate: number) {}

  tune(frequencyHz: number, bandwidthHz: number): void {
    const r = Math.exp((-Math.PI * bandwidthHz) / this.sampleRate);
    this.c = -r * r;
    this.b = 2 * r * Math.cos((2 * Math.PI * frequencyHz) / this.sampleRate);
    this.a = 1 - this.b - this.c;
  }

  step(x: number): number {
    const y = this.a * x + this.b * this.y1 + this.c * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}
