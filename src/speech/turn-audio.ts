/**
 * Cuts call audio into fixed-size chunks for the provider and keeps the chunks not yet covered by a
 * final transcript, so a new provider session (after a dropped socket) can hear the whole utterance.
 * Positions are absolute byte offsets in the call's audio.
 */
export class TurnAudio {
  private readonly pending: Buffer;
  private pendingBytes = 0;
  private chunks: Buffer[] = [];
  private retainedBytes = 0;
  /** Absolute position of chunks[0]. */
  private start = 0;
  /** Absolute position just after the last completed chunk. */
  private completed = 0;

  constructor(
    readonly chunkBytes: number,
    /** Oldest audio is forgotten beyond this, bounding memory and a replay's length. */
    private readonly capBytes: number,
    /** The encoding's silence: pads partial chunks and blanks released audio. */
    private readonly silence: number,
  ) {
    this.pending = Buffer.alloc(chunkBytes);
  }

  /** Appends audio; every completed chunk is retained and handed to `emit`. */
  push(audio: Uint8Array, emit: (chunk: Buffer) => void): void {
    let offset = 0;
    while (offset < audio.length) {
      const take = Math.min(this.chunkBytes - this.pendingBytes, audio.length - offset);
      this.pending.set(take === audio.length ? audio : audio.subarray(offset, offset + take), this.pendingBytes);
      this.pendingBytes += take;
      offset += take;
      if (this.pendingBytes === this.chunkBytes) this.complete(emit);
    }
  }

  /** Completes a partial chunk with silence so nothing waits for more audio; no-op when empty. */
  flush(emit: (chunk: Buffer) => void): void {
    if (this.pendingBytes === 0) return;
    this.pending.fill(this.silence, this.pendingBytes);
    this.pendingBytes = this.chunkBytes;
    this.complete(emit);
  }

  /**
   * Forgets audio before `position` (a final transcript covers it): whole chunks are dropped, the
   * covered part of a straddling chunk is blanked (a replay must not hear a turn's last syllable as
   * new speech, and every chunk keeps its size because the provider refuses short messages).
   */
  release(position: number): void {
    while (this.chunks.length > 0 && this.start + this.chunks[0]!.length <= position) this.dropOldest();
    const first = this.chunks[0];
    if (first && position > this.start) first.fill(this.silence, 0, position - this.start);
  }

  /** Chunks still retained, oldest first, and the absolute position of the first. */
  retained(): { start: number; chunks: readonly Buffer[] } {
    return { start: this.start, chunks: this.chunks };
  }

  /** Absolute position just after the last completed chunk. */
  get end(): number {
    return this.completed;
  }

  private complete(emit: (chunk: Buffer) => void): void {
    const chunk = Buffer.from(this.pending);
    this.pendingBytes = 0;
    this.chunks.push(chunk);
    this.retainedBytes += chunk.length;
    this.completed += chunk.length;
    while (this.retainedBytes > this.capBytes && this.chunks.length > 1) this.dropOldest();
    emit(chunk);
  }

  private dropOldest(): void {
    const oldest = this.chunks.shift()!;
    this.retainedBytes -= oldest.length;
    this.start += oldest.length;
  }
}
