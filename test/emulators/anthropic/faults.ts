/** Decides which requests fail and how: an explicit FIFO of faults first, then an optional seeded random rate. */
import type { Fault, RandomFaultOptions } from './types';

/** mulberry32: tiny, seedable, good enough to make failure patterns reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RandomFaults {
  probability: number;
  faults: Fault[];
  random: () => number;
}

export class FaultPlan {
  private scheduled: Array<{ fault: Fault; remaining: number }> = [];
  private randomFaults: RandomFaults | undefined;

  /** The next `times` requests fail with `fault` (after any faults already scheduled). */
  failNext(fault: Fault, times = 1): void {
    if (times > 0) this.scheduled.push({ fault, remaining: times });
  }

  failRandomly(options: RandomFaultOptions): void {
    if (options.probability < 0 || options.probability > 1) throw new RangeError('probability must be within [0, 1]');
    this.randomFaults = {
      probability: options.probability,
      faults: options.faults?.length ? options.faults : [{ kind: 'overloaded' }],
      random: seededRandom(options.seed ?? 1),
    };
  }

  clear(): void {
    this.scheduled = [];
    this.randomFaults = undefined;
  }

  /** Consumes and returns the fault for the request now arriving, if any. */
  take(): Fault | undefined {
    const head = this.scheduled[0];
    if (head !== undefined) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.scheduled.shift();
      return head.fault;
    }
    const randomFaults = this.randomFaults;
    if (randomFaults === undefined || randomFaults.random() >= randomFaults.probability) return undefined;
    return randomFaults.faults[Math.floor(randomFaults.random() * randomFaults.faults.length)];
  }
}
