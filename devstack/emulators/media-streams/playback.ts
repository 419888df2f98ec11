/**
 * Twilio's outbound buffer: app audio plays at the line rate (8 bytes per ms) in arrival order,
 * marks wait in the same queue and are echoed once the audio before them has played, and `clear`
 * drops what has not played yet and releases every pending mark.
 *
 * Playback is computed on a virtual timeline: each advance() plays whatever fits between the
 * playhead and `now`, so times in the log are exact even though advance() runs on 20 ms ticks.
 * Mark echoes are sent at the advance() that passes them (at most one tick late, as Twilio plays
 * in 20 ms frames too).
 */
import type { DroppedAudio, EchoedMark, PlayedSegment } from './types';

const BYTES_PER_MS = 8;

type Queued =
  | { kind: 'audio'; bytes: Buffer; offset: number; arrivedAt: number }
  | { kind: 'mark'; name: string; arrivedAt: number };

export class PlaybackBuffer {
  readonly played: PlayedSegment[] = [];
  readonly dropped: DroppedAudio[] = [];
  readonly marks: EchoedMark[] = [];
  private queue: Queued[] = [];
  private head = 0;
  /** Time up to which audio has been played (or the buffer was known to be empty). */
  private playhead = 0;

  /** `echo` sends the mark back to the app; it runs synchronously inside advance()/clear(). */
  constructor(private readonly echo: (name: string) => void) {}

  /** Bytes queued and not yet played. */
  get bufferedBytes(): number {
    let total = 0;
    for (let i = this.head; i < this.queue.length; i++) {
      const item = this.queue[i]!;
      if (item.kind === 'audio') total += item.bytes.length - item.offset;
    }
    return total;
  }

  get pendingMarks(): number {
    let count = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.kind === 'mark') count++;
    return count;
  }

  enqueueAudio(bytes: Buffer, at: number): void {
    this.advance(at);
    if (bytes.length > 0) this.queue.push({ kind: 'audio', bytes, offset: 0, arrivedAt: at });
  }

  /** Queued behind the audio already buffered; echoed at once when nothing is. */
  enqueueMark(name: string, at: number): void {
    this.advance(at);
    this.queue.push({ kind: 'mark', name, arrivedAt: at });
    this.advance(at);
  }

  /** Plays everything due by `now`, echoing the marks it reaches. */
  advance(now: number): void {
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      if (item.kind === 'mark') {
        this.shift();
        this.sendEcho(item.name, 'played', item.arrivedAt, now);
        continue;
      }
      // An empty buffer idles until audio arrives; playback resumes from its arrival.
      if (this.playhead < item.arrivedAt) this.playhead = item.arrivedAt;
      const room = Math.floor((now - this.playhead) * BYTES_PER_MS);
      if (room <= 0) break;
      const take = Math.min(room, item.bytes.length - item.offset);
      const startAt = this.playhead;
      this.playhead += take / BYTES_PER_MS;
      this.played.push({ startAt, endAt: this.playhead, bytes: item.bytes.subarray(item.offset, item.offset + take) });
      item.offset += take;
      if (item.offset < item.bytes.length) break;
      this.shift();
    }
    if (this.head >= this.queue.length && this.playhead < now) this.playhead = now;
  }

  /** Drops unplayed audio and echoes every pending mark, in queue order. */
  clear(now: number): void {
    this.advance(now);
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.playhead = now;
    const dropped = pending.flatMap((item) => (item.kind === 'audio' ? [item.bytes.subarray(item.offset)] : []));
    if (dropped.length > 0) this.dropped.push({ at: now, bytes: Buffer.concat(dropped) });
    for (const item of pending) if (item.kind === 'mark') this.sendEcho(item.name, 'cleared', item.arrivedAt, now);
  }

  private sendEcho(name: string, reason: EchoedMark['reason'], queuedAt: number, at: number): void {
    this.marks.push({ name, reason, at, queuedAt });
    this.echo(name);
  }

  private shift(): void {
    this.head++;
    // Compact now and then so a long call's queue does not grow without bound.
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
