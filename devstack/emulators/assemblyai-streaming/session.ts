/**
 * One emulated streaming session: turn detection from the audio's energy, by audio time, and the
 * v3 messages (SpeechStarted, partial and final Turns, Termination) it leads to.
 */
import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import { formatTurnText, unformatTurnText, type ReservedTranscript, type TranscriptSource } from './transcripts';
import { WINDOW_MS, WindowMeter, type StreamingEncoding, type WindowSink } from './window-meter';
import type { SessionEnd, StreamingEmulatorSettings, StreamingSessionRecord, StreamingTurnRecord } from './types';

export interface SessionHost {
  readonly settings: StreamingEmulatorSettings;
  readonly transcripts: TranscriptSource;
  sessionEnded(session: EmulatedStreamingSession): void;
}

interface ActiveTurn {
  record: StreamingTurnRecord;
  reserved: ReservedTranscript;
  /** Unformatted words (partials and the first final). */
  words: string[];
  revealed: number;
  nextPartialAtMs: number;
  lastVoicedEndMs: number;
  /** Set while the final waits out the finalization delay. */
  finalTimer?: NodeJS.Timeout;
}

interface WireWord {
  start: number;
  end: number;
  text: string;
  confidence: number;
  word_is_final: boolean;
}

const PARTIAL_CONFIDENCE = 0.05;
const FINAL_CONFIDENCE = 0.92;

export class EmulatedStreamingSession implements WindowSink {
  private readonly meter: WindowMeter;
  private readonly formatTurns: boolean;
  private speaking: ActiveTurn | undefined;
  /** Ended turns whose final Turn is still waiting out the finalization delay. */
  private readonly finalizing = new Set<ActiveTurn>();
  private voicedRunMs = 0;
  private voicedRunStartMs = 0;
  private nextTurnOrder = 0;
  /** performance.now() when the message being processed arrived. */
  private arrivedAt = 0;
  private ended = false;

  constructor(
    private readonly ws: WebSocket,
    readonly record: StreamingSessionRecord,
    private readonly host: SessionHost,
  ) {
    this.meter = new WindowMeter(record.encoding as StreamingEncoding, record.sampleRate, this);
    this.formatTurns = record.query.format_turns === 'true';
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code) => this.onClosed(code));
    // ECONNRESET and friends: the close handler does the bookkeeping.
    ws.on('error', () => undefined);
  }

  begin(): void {
    this.send({ type: 'Begin', id: this.record.id, expires_at: Math.floor(Date.now() / 1000) + 3600 });
  }

  /** Ends the session without a Termination: TCP destroyed (client sees 1006) or a close frame. */
  drop(mode: 'destroy' | 'close', code: number): void {
    this.finish('dropped');
    if (mode === 'destroy') this.ws.terminate();
    else this.ws.close(code, 'Server error');
  }

  stop(): void {
    this.finish('emulator-stopped');
    this.ws.terminate();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.onAudio(bytes);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.protocolError(4101, 'Endpoint received a message with an invalid schema');
      return;
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') {
      this.protocolError(4101, 'Endpoint received a message with an invalid schema');
      return;
    }
    this.record.controlMessages.push(type);
    switch (type) {
      case 'KeepAlive':
        return;
      case 'ForceEndpoint':
        if (this.speaking) this.endTurn('force-endpoint', performance.now());
        return;
      case 'UpdateConfiguration':
        this.updateConfiguration(message as Record<string, unknown>);
        return;
      case 'Terminate':
        this.terminate();
        return;
      default:
        this.protocolError(4101, 'Endpoint received a message with an invalid schema');
    }
  }

  private onAudio(chunk: Buffer): void {
    const limits = this.host.settings.chunkLimits;
    const ms = this.meter.durationMs(chunk.length);
    if (limits && (ms < limits.minMs - 0.01 || ms > limits.maxMs + 0.01)) {
      this.protocolError(
        3007,
        `Input Duration Violation: ${ms.toFixed(1)} ms; audio messages must be ${limits.minMs}..${limits.maxMs} ms`,
      );
      return;
    }
    this.arrivedAt = performance.now();
    this.record.bytesReceived += chunk.length;
    this.record.audioMessages++;
    this.meter.feed(chunk);
    this.record.audioMs = this.meter.audioMs;
  }

  onWindow(rms: number, endMs: number): void {
    if (this.ended) return;
    const settings = this.host.settings;
    const voiced = rms >= settings.voicedRms;
    const turn = this.speaking;
    if (!turn) {
      if (!voiced) {
        this.voicedRunMs = 0;
        return;
      }
      if (this.voicedRunMs === 0) this.voicedRunStartMs = endMs - WINDOW_MS;
      this.voicedRunMs += WINDOW_MS;
      if (this.voicedRunMs >= settings.speechStartMs) this.startTurn(endMs);
      return;
    }
    if (voiced) {
      turn.lastVoicedEndMs = endMs;
      turn.record.speechEndedAt = this.arrivedAt;
    } else if (endMs - turn.lastVoicedEndMs >= this.record.minTurnSilenceMs) {
      this.endTurn('silence', performance.now());
      return;
    }
    if (endMs >= turn.nextPartialAtMs) {
      turn.nextPartialAtMs = endMs + settings.partialIntervalMs;
      this.sendPartial(turn);
    }
  }

  private startTurn(endMs: number): void {
    const turnOrder = this.nextTurnOrder++;
    const startMs = this.voicedRunStartMs;
    const reserved = this.host.transcripts.take({
      sessionIndex: this.record.index,
      turnOrder,
      audioMs: startMs,
      query: this.record.query,
    });
    const record: StreamingTurnRecord = {
      turnOrder,
      transcript: reserved.text,
      speechStartAudioMs: startMs,
      speechStartedAt: performance.now(),
      speechEndedAt: this.arrivedAt,
    };
    this.record.turns.push(record);
    const words = unformatTurnText(reserved.text)
      .split(' ')
      .filter((w) => w !== '');
    this.speaking = {
      record,
      reserved,
      words,
      revealed: 0,
      nextPartialAtMs: endMs + this.host.settings.partialIntervalMs,
      lastVoicedEndMs: endMs,
    };
    this.voicedRunMs = 0;
    this.send({ type: 'SpeechStarted', timestamp: startMs });
  }

  private sendPartial(turn: ActiveTurn): void {
    if (turn.revealed >= turn.words.length) return;
    turn.revealed++;
    const shown = turn.words.slice(0, turn.revealed);
    const words = spreadWords(shown, turn.record.speechStartAudioMs, turn.lastVoicedEndMs, false);
    this.send(turnMessage(turn.record.turnOrder, shown.join(' '), words, false, false, PARTIAL_CONFIDENCE));
  }

  private endTurn(endedBy: 'silence' | 'force-endpoint' | 'terminate', now: number): void {
    const turn = this.speaking;
    if (!turn) return;
    this.speaking = undefined;
    this.voicedRunMs = 0;
    turn.record.endedBy = endedBy;
    turn.record.speechEndAudioMs = turn.lastVoicedEndMs;
    turn.record.endOfTurnDetectedAt = now;
    if (
      endedBy !== 'terminate' &&
      turn.lastVoicedEndMs - turn.record.speechStartAudioMs < this.host.settings.minUtteranceMs
    ) {
      // Noise, not words: the scripted line stays for the next real utterance.
      this.host.transcripts.giveBack(turn.reserved);
      turn.record.transcript = '';
      turn.words = [];
      turn.reserved = { ...turn.reserved, text: '' };
    }
    const delay = this.host.settings.finalizationMs;
    if (delay <= 0 || endedBy === 'terminate') {
      this.sendFinal(turn);
      return;
    }
    this.finalizing.add(turn);
    turn.finalTimer = setTimeout(() => {
      this.finalizing.delete(turn);
      turn.finalTimer = undefined;
      if (!this.ended) this.sendFinal(turn);
    }, delay);
  }

  private sendFinal(turn: ActiveTurn): void {
    const { record } = turn;
    const startMs = record.speechStartAudioMs;
    const endMs = record.speechEndAudioMs ?? turn.lastVoicedEndMs;
    const unformatted = turn.words.join(' ');
    this.send(
      turnMessage(
        record.turnOrder,
        unformatted,
        spreadWords(turn.words, startMs, endMs, true),
        true,
        false,
        FINAL_CONFIDENCE,
      ),
      () => {
        record.endOfTurnSentAt = performance.now();
      },
    );
    if (this.formatTurns) {
      const formatted = formatTurnText(turn.reserved.text);
      const words = spreadWords(formatted.split(' '), startMs, endMs, true);
      this.send(turnMessage(record.turnOrder, formatted, words, true, true, FINAL_CONFIDENCE), () => {
        record.endOfTurnSentAt = performance.now();
      });
    }
  }

  private updateConfiguration(message: Record<string, unknown>): void {
    const silence = message.min_turn_silence ?? message.min_end_of_turn_silence_when_confident;
    if (typeof silence === 'number' && silence >= 0) this.record.minTurnSilenceMs = silence;
  }

  private terminate(): void {
    const now = performance.now();
    this.endTurn('terminate', now);
    // The service finishes what it heard before it says goodbye.
    for (const turn of this.finalizing) {
      clearTimeout(turn.finalTimer);
      turn.finalTimer = undefined;
      this.sendFinal(turn);
    }
    this.finalizing.clear();
    this.send({
      type: 'Termination',
      audio_duration_seconds: Math.round(this.meter.audioMs) / 1000,
      session_duration_seconds: Math.round(now - this.record.openedAt) / 1000,
    });
    this.finish('terminated');
    this.later(() => this.ws.close(1000));
  }

  private protocolError(code: number, reason: string): void {
    this.finish('protocol-error');
    this.later(() => this.ws.close(code, reason));
  }

  /** Stops processing; turns that never got their final give their scripted text back. */
  private finish(endedBy: SessionEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.record.endedBy = endedBy;
    const unfinished = [...this.finalizing];
    if (this.speaking) unfinished.push(this.speaking);
    this.speaking = undefined;
    this.finalizing.clear();
    // Newest first, so the queue's head ends up in the original order.
    for (const turn of unfinished.reverse()) {
      clearTimeout(turn.finalTimer);
      turn.record.aborted = true;
      this.host.transcripts.giveBack(turn.reserved);
    }
  }

  private onClosed(code: number): void {
    this.finish('client-closed');
    this.record.closedAt = performance.now();
    this.record.closeCode = code;
    this.host.sessionEnded(this);
  }

  /** Writes a message now or after the configured latency; `onSent` runs when it is written. */
  private send(message: object, onSent?: () => void): void {
    const json = JSON.stringify(message);
    this.later(() => {
      if (this.ws.readyState !== this.ws.OPEN) return;
      this.ws.send(json);
      onSent?.();
    });
  }

  /** Same-delay timers fire in order, so messages and the final close keep their order. */
  private later(action: () => void): void {
    const latency = this.host.settings.latencyMs;
    if (latency > 0) setTimeout(action, latency);
    else action();
  }
}

function spreadWords(texts: readonly string[], startMs: number, endMs: number, final: boolean): WireWord[] {
  const span = Math.max(endMs - startMs, texts.length * 40);
  const each = span / Math.max(texts.length, 1);
  return texts.map((text, i) => ({
    start: Math.round(startMs + i * each),
    end: Math.round(startMs + (i + 1) * each - Math.min(20, each / 4)),
    text,
    confidence: FINAL_CONFIDENCE,
    word_is_final: final || i < texts.length - 1,
  }));
}

function turnMessage(
  turnOrder: number,
  transcript: string,
  words: WireWord[],
  endOfTurn: boolean,
  formatted: boolean,
  confidence: number,
): object {
  return {
    type: 'Turn',
    turn_order: turnOrder,
    turn_is_formatted: formatted,
    end_of_turn: endOfTurn,
    transcript,
    end_of_turn_confidence: confidence,
    words,
  };
}
