/** Decides which requests fail and how: an explicit FIFO of faults first, then an optional seeded random rate. */
import { seededRandom } from './seeded-random';

interface RandomFaults<F> {
  probability: number;
  faults: F[];
  random: () => number;
}

export interface RandomFaultOptions<F> {
  /** Chance in [0, 1] that a request fails. */
  probability: number;
  /** Seed for the PRNG, so a "random" failure pattern replays identically. */
  seed?: number;
  /** Picked uniformly per failing request; defaults to the plan's default random fault. */
  faults?: F[];
}

export class FaultPlan<F> {
  private scheduled: Array<{ fault: F; remaining: number }> = [];
  private randomFaults: RandomFaults<F> | undefined;

  /** `defaultRandomFault`: what a random failure is when `failRandomly` names no faults. */
  constructor(private readonly defaultRandomFault: F) {}

  /** The next `times` requests fail with `fault` (after any faults already scheduled). */
  failNext(fault: F, times = 1): void {
    if (times > 0) this.scheduled.push({ fault, remaining: times });
  }

  failRandomly(options: RandomFaultOptions<F>): void {
    if (options.probability < 0 || options.probability > 1) throw new RangeError('probability must be within [0, 1]');
    this.randomFaults = {
      probability: options.probability,
      faults: options.faults?.length ? options.faults : [this.defaultRandomFault],
      random: seededRandom(options.seed ?? 1),
    };
  }

  clear(): void {
    this.scheduled = [];
    this.randomFaults = undefined;
  }

  /** Consumes and returns the fault for the request now arriving, if any. */
  take(): F | undefined {
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
