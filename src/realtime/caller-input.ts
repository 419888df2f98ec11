import { mulawRms, MULAW_FRAME_BYTES } from '../audio/mulaw';
import type { Logger } from '../observability/logger';
import type { SpeechToText, SttSession } from '../speech/stt';
import type { CallerTiming } from './turn-timeline';

/** Voice-activity window for barge-in: 20 frames of 20 ms. */
const VAD_WINDOW_FRAMES = 20;
const FRAME_MS = 20;
/** Keypad digits are gathered until a pause this long, or `#`. */
const DTMF_PAUSE_MS = 1500;
/**
 * Caller audio kept while speech recognition is opening: 10 s of 8 kHz mu-law (80 KB). STT
 * normally opens in well under a second; one that never opens must not grow a call's memory for
 * the whole call. At the cap the oldest audio goes (the caller's latest words are what to answer).
 */
export const STT_BACKLOG_MAX_BYTES = 10 * 8000;

/** What the caller did, as the coordinator needs to know it. */
export interface CallerInputEvents {
  /** The caller finished an utterance (STT's final transcript). */
  endOfTurn(text: string, timing: CallerTiming): void;
  /** Interim text of the utterance in progress (it may still change): the cue for speculative work. */
  partial?(text: string): void;
  /** Keypad digits, gathered until `#` or a pause. */
  dtmf(digits: string): void;
  /** Enough voiced audio in the last window to be the caller talking, not a cough (repeats while it lasts). */
  bargeIn(): void;
  /** Speech recognition could not be opened, or broke beyond repair: nothing more will be heard. */
  sttFailed(error: unknown): void;
}

export interface CallerInputOptions {
  stt: SpeechToText;
  callSid: string;
  log: Logger;
  /** Read per frame, so a configuration change applies to live calls. */
  vad: () => { voicedRms: number; bargeInMinVoicedMs: number };
  now: () => number;
  /** Default {@link STT_BACKLOG_MAX_BYTES}; tests set a small one. */
  backlogMaxBytes?: number;
}

/**
 * The caller's side of a call: the STT session (audio that arrives before it opens is kept and sent
 * once it does), a voice-activity window that tells a barge-in from a cough, and keypad gathering.
 */
export class CallerInput {
  private stt?: SttSession;
  private readonly backlog: Buffer[] = [];
  private backlogBytes = 0;
  private backlogDroppedBytes = 0;
  private readonly window: boolean[] = [];
  private voicedInWindow = 0;
  private lastVoicedAt = 0;
  private digits = '';
  private dtmfTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly options: CallerInputOptions,
    private readonly events: CallerInputEvents,
  ) {}

  /** Opens speech recognition; audio meanwhile waits in the backlog. */
  start(): void {
    const { stt, callSid, log } = this.options;
    stt
      .open(
        {
          speechStarted: () => undefined,
          partial: (text) => this.events.partial?.(text),
          endOfTurn: (turn) =>
            this.events.endOfTurn(turn.transcript, {
              speechEndedAt: this.lastVoicedAt || turn.receivedAt,
              sttReceivedAt: turn.receivedAt,
            }),
          error: (error) => {
            log.error({ err: error, callSid }, 'speech recognition failed for good');
            this.events.sttFailed(error);
          },
        },
        { callId: callSid },
      )
      .then(
        (session) => {
          if (this.closed) return void session.close();
          this.stt = session;
          for (const audio of this.backlog.splice(0)) session.sendAudio(audio);
          this.backlogBytes = 0;
        },
        (error: unknown) => {
          log.error({ err: error, callSid }, 'could not open speech recognition');
          this.events.sttFailed(error);
        },
      );
  }

  onAudio(audio: Buffer): void {
    if (this.closed) return;
    if (this.stt) this.stt.sendAudio(audio);
    else this.keep(audio);
    for (let offset = 0; offset < audio.length; offset += MULAW_FRAME_BYTES)
      this.observeFrame(audio.subarray(offset, offset + MULAW_FRAME_BYTES));
  }

  onDtmf(digit: string): void {
    if (this.closed) return;
    this.digits += digit;
    clearTimeout(this.dtmfTimer);
    if (digit === '#') this.flushDtmf();
    else this.dtmfTimer = setTimeout(() => this.flushDtmf(), DTMF_PAUSE_MS);
  }

  /** The utterance that just ended is not a barge-in on the reply to it: start the window afresh. */
  resetVoiceWindow(): void {
    this.window.length = 0;
    this.voicedInWindow = 0;
  }

  /** Stops listening; waits (bounded, inside the STT session) for its last transcripts. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.dtmfTimer);
    await this.stt?.close();
  }

  /** Audio for an STT session not open yet, the newest {@link STT_BACKLOG_MAX_BYTES} of it. */
  private keep(audio: Buffer): void {
    const max = this.options.backlogMaxBytes ?? STT_BACKLOG_MAX_BYTES;
    this.backlog.push(audio);
    this.backlogBytes += audio.length;
    let dropped = 0;
    while (this.backlogBytes > max && this.backlog.length > 0) {
      const oldest = this.backlog.shift()!;
      this.backlogBytes -= oldest.length;
      dropped += oldest.length;
    }
    if (dropped === 0) return;
    // Once when the cap is first reached, then every further 10 s of audio dropped: no log flood.
    const before = this.backlogDroppedBytes;
    this.backlogDroppedBytes += dropped;
    if (before === 0 || Math.floor(before / max) !== Math.floor(this.backlogDroppedBytes / max))
      this.options.log.warn(
        { callSid: this.options.callSid, droppedBytes: this.backlogDroppedBytes, capBytes: max },
        'speech recognition is not open yet: caller audio backlog at its cap, oldest audio dropped',
      );
  }

  private observeFrame(frame: Buffer): void {
    const { voicedRms, bargeInMinVoicedMs } = this.options.vad();
    const voiced = mulawRms(frame) >= voicedRms;
    this.window.push(voiced);
    if (voiced) {
      this.voicedInWindow++;
      this.lastVoicedAt = this.options.now();
    }
    if (this.window.length > VAD_WINDOW_FRAMES && this.window.shift()) this.voicedInWindow--;
    if (this.voicedInWindow * FRAME_MS >= bargeInMinVoicedMs) this.events.bargeIn();
  }

  private flushDtmf(): void {
    clearTimeout(this.dtmfTimer);
    const digits = this.digits;
    this.digits = '';
    if (digits && !this.closed) this.events.dtmf(digits);
  }
}
