import { assistantMessage, userMessage, type ChatItem, type MessageItem } from '../agent/chat-items';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import type { Config } from '../config/schema';
import type { Logger } from '../observability/logger';
import type { VoiceMetrics } from '../observability/metrics';
import type { SpeechToText } from '../speech/stt';
import type { TextToSpeech } from '../speech/tts';
import type { StreamEnded } from '../voice/call-types';
import { AgentTurn } from './agent-turn';
import type { CallContext } from './call-context';
import type { CallEvents } from './call-events';
import { CallerInput } from './caller-input';
import { Playout } from './playout';
import type { CallerTiming } from './turn-timeline';

export interface VoiceSessionDeps {
  config: () => Config;
  stt: SpeechToText;
  llm: () => StreamingChatModel | undefined;
  tts: () => TextToSpeech | undefined;
  reporter: CallEvents;
  /** The customer's memory and history (as far as the caller is trusted), loading while the greeting plays. */
  context: Promise<CallContext>;
  /** The context of a caller who has just confirmed who they are (with their memory), loaded on demand. */
  verifiedContext?: () => Promise<CallContext>;
  /**
   * Whether the call is recorded, as signed into the stream token (a call placed with `record`);
   * undefined: the live `voice.record` decides.
   */
  recorded?: boolean;
  /** The caller's number is proven theirs (`callerTrust`); default: not. An unverified caller is offered the verification tools. */
  callerVerified?: boolean;
  metrics: VoiceMetrics;
  log: Logger;
  streamSid: string;
  callSid: string;
  send(frame: string): void;
  now?: () => number;
}

const CANNOT_HEAR = "Sorry, I can't hear you right now. Please call back in a moment.";

/**
 * One live call, coordinating its parts: the caller's side (`CallerInput`: STT, barge-in, keypad)
 * starts agent turns (`AgentTurn`: model → chunker → TTS → `Playout`), one at a time. A new
 * utterance or the caller talking over the agent cancels the turn in flight; only what the caller
 * heard goes into the transcript and the model's context. Turns, DTMF and the hang-up are reported
 * (`CallEvents`) without ever waiting on the workflow.
 */
export class VoiceSession {
  private readonly playout: Playout;
  private readonly caller: CallerInput;
  private active?: { turn: AgentTurn; done: Promise<void> };
  /**
   * The latest turn's end (its heard text and tool notes are in `callItems` by then). A turn
   * interrupted by the caller is no longer `active`, but may still be waiting on a tool: the next
   * turn waits for it, so the model knows what the tool did and does not do it again.
   */
  private lastTurnDone: Promise<void> = Promise.resolve();
  private turnSeq = 0;
  /** This call so far, as the model sees it (agent turns hold only what was heard). */
  private readonly callItems: ChatItem[] = [];
  /** A tool ended the conversation: the caller's input is no longer answered. */
  private ending = false;
  private closed = false;
  private context: Promise<CallContext>;
  private verifiedContextLoaded = false;
  private callerVerified: boolean;
  private readonly now: () => number;

  constructor(private readonly deps: VoiceSessionDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.context = deps.context;
    this.callerVerified = deps.callerVerified ?? false;
    this.playout = new Playout(deps.streamSid, (frame) => deps.send(frame), this.now);
    this.caller = new CallerInput(
      {
        stt: deps.stt,
        callSid: deps.callSid,
        log: deps.log,
        vad: () => deps.config().voice,
        now: this.now,
      },
      {
        endOfTurn: (text, timing) => {
          if (!this.closed && !this.ending) this.callerSaid(text, 'speech', timing);
        },
        dtmf: (digits) => {
          if (this.closed || this.ending) return;
          deps.reporter.dtmf(digits);
          this.callerSaid(`(The caller pressed the keypad: ${digits.split('').join(' ')})`, 'dtmf');
        },
        bargeIn: () => this.interrupt(),
        sttFailed: () => {
          deps.metrics.fallback('stt');
          // Once a tool ends the call, the line is not said over its goodbye.
          if (!this.closed && !this.ending) this.speakScripted(CANNOT_HEAR);
        },
      },
    );
  }

  /**
   * Greets at once and opens STT in parallel (caller audio meanwhile is kept and sent when it opens).
   * A recorded call's announcement opens the greeting: one synthesis, no TwiML `<Say>` before the
   * stream (which would delay every word the agent says by Twilio's own speech).
   */
  start(): void {
    this.deps.metrics.callStarted();
    const voice = this.deps.config().voice;
    const recorded = this.deps.recorded ?? voice.record;
    this.speakScripted(recorded ? `${voice.recordingAnnouncement} ${voice.greeting}` : voice.greeting);
    this.caller.start();
  }

  onAudio(audio: Buffer): void {
    if (!this.closed) this.caller.onAudio(audio);
  }

  onMark(name: string): void {
    this.playout.onMark(name);
  }

  onDtmf(digit: string): void {
    if (!this.closed && !this.ending) this.caller.onDtmf(digit);
  }

  /** The stream is over (Twilio's stop, or the socket closed): finish the turn and tell the workflow. */
  async end(reason: StreamEnded['reason']): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const active = this.active;
    if (active) {
      active.turn.hangUp();
      await active.done;
    }
    this.deps.reporter.ended({ reason, at: new Date().toISOString() });
    await this.caller.close();
    this.deps.metrics.callEnded();
  }

  /** The caller talks over the agent (or over its thinking): the whole turn is cancelled. */
  private interrupt(): void {
    if (!this.active || this.ending) return;
    this.active.turn.interrupt();
    this.active = undefined;
  }

  private callerSaid(text: string, source: 'speech' | 'dtmf', timing?: CallerTiming): void {
    // Anything still in flight is superseded by what the caller just said.
    const previous = this.lastTurnDone;
    this.interrupt();
    this.caller.resetVoiceWindow();
    const id = ++this.turnSeq;
    this.deps.reporter.turn({ turnId: id, role: 'caller', text, at: new Date().toISOString(), source });
    this.callItems.push(userMessage(text));
    this.startTurn(id, timing, (turn) =>
      turn.reply({
        model: this.deps.llm(),
        context: () => this.context,
        callItems: () => this.callItems,
        after: previous,
        callerVerified: () => this.callerVerified,
        endsCall: () => this.leaving(turn),
        verified: () => this.callerConfirmed(),
      }),
    );
  }

  /**
   * A tool took the call away from the agent (hang-up, transfer). If the caller had talked over the
   * turn that ran it, the turn answering them stops too: nothing more is said over the transfer.
   */
  private leaving(by: AgentTurn): void {
    this.ending = true;
    const active = this.active;
    if (active && active.turn !== by) {
      active.turn.interrupt();
      this.active = undefined;
    }
  }

  /** The caller confirmed the code: from the next model round on, the context holds their memory and history. */
  private callerConfirmed(): void {
    this.callerVerified = true;
    const load = this.deps.verifiedContext;
    if (this.verifiedContextLoaded || !load) return;
    this.verifiedContextLoaded = true;
    const before = this.context;
    this.context = load().catch((error: unknown) => {
      this.deps.log.error({ err: error }, 'could not load the verified caller context; going on without memory');
      return before;
    });
  }

  /** Said without the model (greeting, failures): turn 0 for the greeting. */
  private speakScripted(text: string): void {
    const id = this.turnSeq === 0 && !this.active ? 0 : ++this.turnSeq;
    this.startTurn(id, undefined, (turn) => turn.speak(text));
  }

  /** Starts a turn in its own slot of the call's context, filled with what was heard once it is over. */
  private startTurn(id: number, caller: CallerTiming | undefined, body: (turn: AgentTurn) => Promise<void>): void {
    const slot: MessageItem = assistantMessage('');
    this.callItems.push(slot);
    const { config, tts, reporter, metrics, log, callSid } = this.deps;
    const turn = new AgentTurn({
      id,
      playout: this.playout,
      tts,
      events: reporter,
      metrics,
      log,
      callSid,
      config,
      now: this.now,
      ...(caller ? { caller } : {}),
      hungUp: () => this.closed,
    });
    const active = { turn, done: Promise.resolve() };
    this.active = active;
    active.done = (async () => {
      await body(turn);
      if (this.active === active) this.active = undefined;
      slot.content = turn.record();
    })();
    this.lastTurnDone = active.done;
  }
}
