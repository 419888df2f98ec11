/**
 * One drift-corrected 20 ms clock shared by every emulated caller in the process, so hundreds of
 * concurrent calls cost one timer instead of hundreds. Tick n is due at origin + n * 20 ms
 * (absolute, so timer lateness never accumulates), and subscribers count frames in ticks: every
 * caller is phase-locked to the same grid, so timer jitter cannot make a frame slip to the next
 * tick and double up with the one after it. A stalled event loop skips ahead, and subscribers
 * catch up on the frames they owe.
 */
export const FRAME_MS = 20;

export interface TickSubscriber {
  onTick(now: number, tick: number): void;
  /** A subscriber's tick failed; the ticker keeps going for everyone else. */
  onTickError(error: unknown): void;
}

export class FrameTicker {
  private readonly subscribers = new Set<TickSubscriber>();
  private timer: NodeJS.Timeout | undefined;
  private origin = 0;
  /** Index of the tick scheduled next. */
  private next = 0;

  constructor(private readonly periodMs = FRAME_MS) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Subscribes; returns the index of the first tick the subscriber will see. */
  add(subscriber: TickSubscriber): number {
    this.subscribers.add(subscriber);
    if (this.timer === undefined) {
      this.origin = performance.now();
      this.next = 1;
      this.schedule();
    }
    return this.next;
  }

  remove(subscriber: TickSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    const due = this.origin + this.next * this.periodMs;
    this.timer = setTimeout(this.tick, Math.max(0, due - performance.now()));
  }

  private readonly tick = (): void => {
    const now = performance.now();
    // Woken late by more than a period (a stalled loop): this wake-up stands for the latest tick due.
    const index = Math.max(this.next, Math.floor((now - this.origin) / this.periodMs));
    this.next = index + 1;
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber.onTick(now, index);
      } catch (error) {
        subscriber.onTickError(error);
      }
    }
    if (this.subscribers.size === 0) {
      this.timer = undefined;
      return;
    }
    this.schedule();
  };
}

/** The process-wide ticker callers use unless given another. */
export const sharedTicker = new FrameTicker();
