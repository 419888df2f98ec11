import type { TextToSpeech } from '../speech/tts';
import type { Playout, PlayoutChunk } from './playout';

/** Timings of the first chunk, for the turn's latency breakdown (performance.now()). */
export interface SpeakerTimings {
  firstTtsRequestAt?: number;
  firstTtsByteAt?: number;
  firstAudioSentAt?: number;
}

/** Audio of one chunk, pulled ahead of its turn so chunk k+1 synthesizes while chunk k plays. */
class PrefetchedAudio {
  private readonly parts: Buffer[] = [];
  private done = false;
  private failure: Error | undefined;
  private wake?: () => void;
  firstByteAt?: number;

  constructor(source: AsyncIterable<Buffer>, now: () => number) {
    void (async () => {
      try {
        for await (const part of source) {
          this.firstByteAt ??= now();
          this.parts.push(part);
          this.wake?.();
        }
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
      } finally {
        this.done = true;
        this.wake?.();
      }
    })();
  }

  async *drain(): AsyncGenerator<Buffer> {
    for (;;) {
      while (this.parts.length > 0) yield this.parts.shift()!;
      if (this.failure !== undefined) throw this.failure;
      if (this.done) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

/** At most this many chunks are synthesized ahead of the one playing (bounded work per call). */
const LOOKAHEAD = 2;

/**
 * Speaks one reply: chunks are synthesized as soon as their text is complete (with a small
 * lookahead) and sent strictly in order, each followed by its mark. Everything stops the moment
 * the turn's signal aborts: no byte of a cancelled turn is sent after that.
 */
export class ReplySpeaker {
  private readonly queue: Array<{ chunk: PlayoutChunk; audio?: PrefetchedAudio }> = [];
  private pumping: Promise<void> = Promise.resolve();
  readonly timings: SpeakerTimings = {};
  spokenText = '';

  constructor(
    private readonly turnId: number,
    private readonly tts: TextToSpeech,
    private readonly playout: Playout,
    private readonly signal: AbortSignal,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Queues a chunk to be spoken after the ones before it. */
  say(text: string): void {
    if (this.signal.aborted || !text.trim()) return;
    const chunk = this.playout.startChunk(this.turnId, text);
    this.queue.push({ chunk });
    this.prefetch();
    this.pumping = this.pumping.then(() => this.play());
  }

  /** Resolves when every queued chunk was sent (not necessarily played); rejects on a TTS failure. */
  async finished(): Promise<void> {
    await this.pumping;
  }

  private prefetch(): void {
    for (const item of this.queue.slice(0, LOOKAHEAD + 1)) {
      if (item.audio) continue;
      if (this.timings.firstTtsRequestAt === undefined) this.timings.firstTtsRequestAt = this.now();
      item.audio = new PrefetchedAudio(this.tts.synthesize(item.chunk.text, { signal: this.signal }), this.now);
    }
  }

  private async play(): Promise<void> {
    const item = this.queue[0];
    if (!item) return;
    try {
      if (this.signal.aborted) return;
      this.prefetch();
      try {
        for await (const audio of item.audio!.drain()) {
          if (this.signal.aborted) return;
          if (this.timings.firstAudioSentAt === undefined) {
            this.timings.firstTtsByteAt = item.audio!.firstByteAt;
            this.timings.firstAudioSentAt = this.now();
          }
          this.playout.sendAudio(item.chunk, audio);
        }
      } catch (error) {
        if (!this.signal.aborted) {
          // What did go out is marked, so the transcript can still tell whether it was heard;
          // a chunk with no audio, and everything queued after it, was never said.
          if (item.chunk.bytes > 0) this.playout.endChunk(item.chunk);
          else this.playout.discard(item.chunk);
          for (const later of this.queue.slice(1)) this.playout.discard(later.chunk);
        }
        throw error;
      }
      if (this.signal.aborted) return;
      this.playout.endChunk(item.chunk);
      this.spokenText = this.spokenText ? `${this.spokenText} ${item.chunk.text}` : item.chunk.text;
    } finally {
      this.queue.shift();
    }
  }
}
