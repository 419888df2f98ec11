/**
 * Spaces calls to at most `ratePerSecond`, first come first served, allowing a small burst.
 * Process-local: with several orchestrator workers, give each its share of the account's rate.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = 1,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('ratePerSecond must be > 0');
    this.tokens = burst;
    this.last = now();
  }

  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.drain();
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  private drain(): void {
    this.refill();
    while (this.waiting.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.waiting.shift()!();
    }
    if (this.waiting.length > 0 && !this.timer) {
      const waitMs = ((1 - this.tokens) / this.ratePerSecond) * 1000;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, Math.ceil(waitMs));
    }
  }
}
