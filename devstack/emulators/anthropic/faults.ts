/** Decides which requests fail and how: an explicit FIFO of faults first, then an optional seeded random rate. */
import type { Fault, RandomFaultOptions } from './types';
import { seededRandom } from '../shared/seeded-random';

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
