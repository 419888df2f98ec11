/**
 * The caller's side of the conversation: a queue of utterances and pauses turned into one 20 ms
 * frame per tick. When the script is empty the line carries silence, as Twilio's does.
 */
import { MULAW_FRAME_BYTES, MULAW_SILENCE, mulawRms } from '../../../src/audio/mulaw';
import type { Utterance } from './types';
import { SILENCE_FRAME_PAYLOAD } from './wire';

interface Pending<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

type ScriptItem =
  | {
      kind: 'audio';
      audio: Buffer;
      frameCount: number;
      lastVoicedFrame: number;
      next: number;
      startAt: number;
      firstChunk: number;
      voicedEndAt: number;
      pending: Pending<number>;
    }
  | { kind: 'pause'; frameCount: number; next: number; pending: Pending<void> };

/** What to send next: the base64 payload, and a callback to run once it has gone out as `chunk`. */
export interface NextFrame {
  payload: string;
  sent(at: number, chunk: number): void;
}

export class CallerScript {
  readonly utterances: Utterance[] = [];
  private readonly items: ScriptItem[] = [];

  constructor(private readonly voicedRmsThreshold: number) {}

  get idle(): boolean {
    return this.items.length === 0;
  }

  /** Resolves with the time its last voiced frame was sent (its last frame when none is voiced). */
  say(audio: Buffer): Promise<number> {
    const frameCount = Math.ceil(audio.length / MULAW_FRAME_BYTES);
    let lastVoicedFrame = -1;
    for (let i = frameCount - 1; i >= 0 && lastVoicedFrame < 0; i--) {
      if (mulawRms(audio.subarray(i * MULAW_FRAME_BYTES, (i + 1) * MULAW_FRAME_BYTES)) > this.voicedRmsThreshold)
        lastVoicedFrame = i;
    }
    return this.enqueue<number>((pending) => ({
      kind: 'audio',
      audio,
      frameCount,
      lastVoicedFrame,
      next: 0,
      startAt: 0,
      firstChunk: 0,
      voicedEndAt: 0,
      pending,
    }));
  }

  /** Resolves once `ms` of silence (rounded to whole frames) has gone out after what is already queued. */
  pause(ms: number): Promise<void> {
    return this.enqueue<void>((pending) => ({
      kind: 'pause',
      frameCount: Math.max(0, Math.round(ms / 20)),
      next: 0,
      pending,
    }));
  }

  nextFrame(): NextFrame {
    const item = this.items[0];
    if (item === undefined) return { payload: SILENCE_FRAME_PAYLOAD, sent: noop };
    const index = item.next++;
    const last = index >= item.frameCount - 1;
    if (item.kind === 'pause') {
      if (last) this.items.shift();
      return { payload: SILENCE_FRAME_PAYLOAD, sent: last ? () => item.pending.resolve() : noop };
    }
    if (last) this.items.shift();
    return {
      payload: framePayload(item.audio, index),
      sent: (at, chunk) => {
        if (index === 0) {
          item.startAt = at;
          item.firstChunk = chunk;
        }
        if (index === item.lastVoicedFrame) item.voicedEndAt = at;
        if (!last) return;
        const voicedEndAt = item.lastVoicedFrame >= 0 ? item.voicedEndAt : at;
        this.utterances.push({
          startAt: item.startAt,
          voicedEndAt,
          endAt: at,
          firstChunk: item.firstChunk,
          lastChunk: chunk,
        });
        item.pending.resolve(voicedEndAt);
      },
    };
  }

  /** The call ended: everything still queued fails with `error`. */
  abort(error: Error): void {
    for (const item of this.items.splice(0)) item.pending.reject(error);
  }

  private enqueue<T>(make: (pending: Pending<T>) => ScriptItem): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      const item = make({ resolve, reject });
      // Zero frames (empty audio, pause(0)) complete at once instead of waiting for a tick.
      if (item.frameCount === 0) {
        if (item.kind === 'audio') item.pending.resolve(performance.now());
        else item.pending.resolve();
        return;
      }
      this.items.push(item);
    });
    // A test that fires say() and then hangs up need not await it: do not crash on the rejection.
    promise.catch(noop);
    return promise;
  }
}

function framePayload(audio: Buffer, index: number): string {
  const start = index * MULAW_FRAME_BYTES;
  const end = start + MULAW_FRAME_BYTES;
  if (end <= audio.length) return audio.toString('base64', start, end);
  const padded = Buffer.alloc(MULAW_FRAME_BYTES, MULAW_SILENCE);
  audio.copy(padded, 0, start);
  return padded.toString('base64');
}

function noop(): void {}
