import { mulawDurationMs } from '../audio/mulaw';
import { clearFrame, markFrame, mediaFrame } from './protocol';

/** One speakable chunk of the agent's reply on its way to the caller. */
export interface PlayoutChunk {
  turnId: number;
  index: number;
  text: string;
  mark: string;
  bytes: number;
  firstSentAt?: number;
  /** Its mark came back: every byte of it was played. */
  playedAt?: number;
  /** Dropped by a clear (barge-in) or a hang-up before it finished playing. */
  cutAt?: number;
  ended: boolean;
}

/** Who wants to know what the caller is hearing (the live console), asked before any text is put together. */
export interface PlayoutObserver {
  watched(): boolean;
  /** The turn's words up to and including the chunk that started playing now. */
  playing(turnId: number, text: string): void;
}

/** Outbound audio per message: big enough to be cheap, small enough that Twilio's buffer fills smoothly. */
const FRAME_BYTES = 800;

/**
 * Sends the agent's audio with one `mark` per chunk and learns from the echoed marks what the
 * caller actually heard. On barge-in, `clear` drops Twilio's buffer; the chunks whose marks had
 * not come back were not (fully) heard, and `heardText` keeps only what was.
 */
export class Playout {
  private chunks: PlayoutChunk[] = [];
  /** Each returns true once it is satisfied (and is then dropped). */
  private readonly waiters = new Set<() => boolean>();

  constructor(
    private readonly streamSid: string,
    private readonly send: (frame: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly observer?: PlayoutObserver,
  ) {}

  private readonly nextIndex = new Map<number, number>();

  /** Chunks of one turn are numbered in the order they are queued, whoever queues them. */
  startChunk(turnId: number, text: string): PlayoutChunk {
    const index = this.nextIndex.get(turnId) ?? 0;
    this.nextIndex.set(turnId, index + 1);
    const chunk: PlayoutChunk = { turnId, index, text, mark: `t${turnId}c${index}`, bytes: 0, ended: false };
    this.chunks.push(chunk);
    return chunk;
  }

  /** A chunk that will never be sent (its synthesis failed before any audio): it was not said at all. */
  discard(chunk: PlayoutChunk): void {
    this.chunks = this.chunks.filter((c) => c !== chunk);
    this.notify();
  }

  sendAudio(chunk: PlayoutChunk, audio: Buffer): void {
    if (chunk.cutAt !== undefined || audio.length === 0) return;
    if (chunk.firstSentAt === undefined) {
      chunk.firstSentAt = this.now();
      // Nothing ahead of it in Twilio's buffer: it starts playing now.
      if (this.observer?.watched() && !this.chunks.some((c) => c !== chunk && this.inBuffer(c))) this.announce(chunk);
    }
    for (let offset = 0; offset < audio.length; offset += FRAME_BYTES)
      this.send(mediaFrame(this.streamSid, audio.subarray(offset, offset + FRAME_BYTES)));
    chunk.bytes += audio.length;
  }

  /** The chunk's audio is all sent: its mark follows it into Twilio's buffer. */
  endChunk(chunk: PlayoutChunk): void {
    if (chunk.ended || chunk.cutAt !== undefined) return;
    chunk.ended = true;
    if (chunk.bytes === 0) {
      chunk.playedAt = this.now();
      this.notify();
      return;
    }
    this.send(markFrame(this.streamSid, chunk.mark));
  }

  onMark(name: string): void {
    const chunk = this.chunks.find((c) => c.mark === name);
    if (!chunk || chunk.playedAt !== undefined || chunk.cutAt !== undefined) return;
    chunk.playedAt = this.now();
    if (this.observer?.watched()) {
      // The next chunk already sent starts playing as this one ends.
      const next = this.chunks.find((c) => this.inBuffer(c));
      if (next) this.announce(next);
    }
    this.notify();
  }

  /** Audio of any turn is sent but not yet played. */
  isSpeaking(): boolean {
    return this.chunks.some((c) => c.playedAt === undefined && c.cutAt === undefined && (c.bytes > 0 || !c.ended));
  }

  /** Barge-in: Twilio drops its buffer; everything unplayed of `turnId` is cut now. */
  clear(turnId: number): void {
    this.send(clearFrame(this.streamSid));
    this.cut(turnId);
  }

  /** Stops tracking `turnId` (hang-up: nothing is played any more); no message is sent. */
  cut(turnId: number): void {
    const at = this.now();
    for (const chunk of this.chunks)
      if (chunk.turnId === turnId && chunk.playedAt === undefined && chunk.cutAt === undefined) chunk.cutAt = at;
    this.notify();
  }

  /** Resolves when every chunk of `turnId` has played or been cut (or after `timeoutMs`). */
  async settled(turnId: number, timeoutMs: number): Promise<void> {
    const done = () =>
      this.chunks.every((c) => c.turnId !== turnId || c.playedAt !== undefined || c.cutAt !== undefined);
    if (done()) return;
    await new Promise<void>((resolve) => {
      const waiter = () => {
        if (!done()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve();
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * What the caller heard of `turnId`: every chunk whose mark came back, then the part of the
   * chunk playing when it was cut, in proportion to its audio that had time to play.
   */
  heardText(turnId: number): { text: string; interrupted: boolean } {
    const parts: string[] = [];
    let previousPlayedAt: number | undefined;
    for (const chunk of this.chunks.filter((c) => c.turnId === turnId).sort((a, b) => a.index - b.index)) {
      if (chunk.playedAt !== undefined) {
        parts.push(chunk.text);
        previousPlayedAt = chunk.playedAt;
        continue;
      }
      if (chunk.cutAt !== undefined && chunk.firstSentAt !== undefined && chunk.bytes > 0) {
        const startedPlaying = Math.max(previousPlayedAt ?? chunk.firstSentAt, chunk.firstSentAt);
        const fraction = Math.min(1, Math.max(0, (chunk.cutAt - startedPlaying) / mulawDurationMs(chunk.bytes)));
        const prefix = wordsPrefix(chunk.text, fraction);
        if (prefix) parts.push(`${prefix}…`);
      }
      return { text: parts.join(' '), interrupted: true };
    }
    return { text: parts.join(' '), interrupted: false };
  }

  /** Forget a turn once its transcript was taken. */
  forget(turnId: number): void {
    this.chunks = this.chunks.filter((c) => c.turnId !== turnId);
    this.nextIndex.delete(turnId);
  }

  /** Sent and neither played nor cut: in Twilio's buffer. */
  private inBuffer(chunk: PlayoutChunk): boolean {
    return chunk.firstSentAt !== undefined && chunk.playedAt === undefined && chunk.cutAt === undefined;
  }

  private announce(chunk: PlayoutChunk): void {
    const text = this.chunks
      .filter((c) => c.turnId === chunk.turnId && c.index <= chunk.index)
      .sort((a, b) => a.index - b.index)
      .map((c) => c.text)
      .join(' ');
    this.observer?.playing(chunk.turnId, text);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) if (waiter()) this.waiters.delete(waiter);
  }
}

/** The words covering `fraction` of the text's characters (a word counts once it has started). */
export function wordsPrefix(text: string, fraction: number): string {
  if (fraction <= 0) return '';
  const words = text.split(/\s+/).filter(Boolean);
  const budget = text.length * fraction;
  let used = 0;
  const kept: string[] = [];
  for (const word of words) {
    if (used >= budget) break;
    kept.push(word);
    used += word.length + 1;
  }
  return kept.join(' ');
}
