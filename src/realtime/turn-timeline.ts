import type { TurnStageTimes } from '../observability/tracing';
import type { TurnLatency } from '../voice/call-types';
import type { SpeakerTimings } from './reply-speaker';

/** The caller's side of a turn: last voiced audio before the end of speech, and when STT finalized it. */
export interface CallerTiming {
  speechEndedAt: number;
  sttReceivedAt: number;
}

/** A reading the reply takes itself; each counts its first occurrence only (tool rounds ask again). */
export type ReplyStage = 'llmRequest' | 'llmFirstToken' | 'llmFirstChunk';

/**
 * One agent turn's clock readings (performance.now()), from the caller's end of speech to the first
 * audio frame sent, and the latency breakdown they add up to. Turns without a caller utterance
 * (greeting, keypad input, scripted lines) have no latency.
 */
export class TurnTimeline {
  private readonly at: Partial<Record<ReplyStage, number>> = {};
  private speech: SpeakerTimings = {};

  constructor(
    private readonly now: () => number,
    private readonly caller?: CallerTiming,
  ) {}

  mark(stage: ReplyStage): void {
    this.at[stage] ??= this.now();
  }

  /** The speaker's readings of the turn's first chunk (TTS request, first byte, first audio sent). */
  spoke(timings: SpeakerTimings): void {
    this.speech = { ...timings };
  }

  /** The readings a trace needs, when the turn answered the caller's speech and audio went out. */
  stages(): TurnStageTimes | undefined {
    const { caller } = this;
    const { llmRequest, llmFirstChunk } = this.at;
    const firstAudioAt = this.speech.firstAudioSentAt;
    if (!caller || llmRequest === undefined || firstAudioAt === undefined) return undefined;
    return {
      ...caller,
      llmRequestAt: llmRequest,
      ...(llmFirstChunk === undefined ? {} : { llmFirstChunkAt: llmFirstChunk }),
      ...(this.speech.firstTtsRequestAt === undefined ? {} : { firstTtsRequestAt: this.speech.firstTtsRequestAt }),
      ...(this.speech.firstTtsByteAt === undefined ? {} : { firstTtsByteAt: this.speech.firstTtsByteAt }),
      firstAudioAt,
    };
  }

  /** Where the time went, rounded to 0.1 ms; the overhead is what the providers' parts do not explain. */
  latency(): TurnLatency | undefined {
    const stages = this.stages();
    if (!stages) return undefined;
    const { speechEndedAt, sttReceivedAt, llmRequestAt, firstAudioAt, firstTtsRequestAt, firstTtsByteAt } = stages;
    const total = firstAudioAt - speechEndedAt;
    const sttMs = sttReceivedAt - speechEndedAt;
    const llmFirstChunkMs = (stages.llmFirstChunkAt ?? llmRequestAt) - llmRequestAt;
    const ttsFirstByteMs =
      firstTtsByteAt !== undefined && firstTtsRequestAt !== undefined ? firstTtsByteAt - firstTtsRequestAt : 0;
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      endOfSpeechToFirstAudioMs: round(total),
      sttMs: round(sttMs),
      llmFirstTokenMs: round((this.at.llmFirstToken ?? llmRequestAt) - llmRequestAt),
      llmFirstChunkMs: round(llmFirstChunkMs),
      ttsFirstByteMs: round(ttsFirstByteMs),
      overheadMs: round(Math.max(0, total - sttMs - llmFirstChunkMs - ttsFirstByteMs)),
    };
  }
}
