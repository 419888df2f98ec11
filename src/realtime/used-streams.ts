/**
 * Calls whose media stream this worker has already opened, each kept until its token expires: a
 * token opens one stream, and a call has one stream per sequence number (a reconnect after a lost
 * stream gets the next). Per process only — with several realtime
 * workers the check needs the call's workflow or a shared store. Bounded: entries leave when their
 * token expires, and when the map is full of live entries new streams are refused (fail closed)
 * rather than forgetting one that could then be replayed.
 */
export class UsedStreams {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * True the first time a call's stream `seq` is claimed (0: the first stream, n: the n-th reconnect);
   * false for a replay, a second stream under the same number, or when full.
   */
  claim(callSid: string, expiresAtMs: number, seq = 0): boolean {
    this.prune();
    const key = `${callSid}#${seq}`;
    if (this.expiries.has(key) || this.expiries.size >= this.capacity) return false;
    this.expiries.set(key, expiresAtMs);
    return true;
  }

  private prune(): void {
    const now = this.now();
    // Tokens share one lifetime, so insertion order is nearly expiry order: stop at the first live one
    // unless the map is full, when a full sweep is worth it.
    const full = this.expiries.size >= this.capacity;
    for (const [callSid, expiresAt] of this.expiries) {
      if (expiresAt < now) this.expiries.delete(callSid);
      else if (!full) return;
    }
  }
}
