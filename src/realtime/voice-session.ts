import type Anthropic from '@anthropic-ai/sdk';
import { toAlternatingTurns, type ChatTurn, type ToolCall } from '../agent/chat-model';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import { mulawRms, MULAW_FRAME_BYTES } from '../audio/mulaw';
import type { Config } from '../config/schema';
import type { VoiceMetrics } from '../observability/metrics';
import type { Logger } from '../observability/logger';
import { recordTurnSpans, type TurnTimeline } from '../observability/tracing';
import { providerKindOf } from '../providers/provider-error';
import { SpeechChunker } from '../speech/chunker';
import type { SpeechToText, SttSession, SttTurn } from '../speech/stt';
import type { TextToSpeech } from '../speech/tts';
import type { StreamEnded, ToolOutcome, TurnLatency, VoiceToolName } from '../voice/call-types';
import { VOICE_TOOLS } from '../voice/tools';
import type { CallContext } from './call-context';
import type { CallReporter } from './call-reporter';
import { Playout } from './playout';
import { ReplySpeaker } from './reply-speaker';

export interface VoiceSessionDeps {
  config: () => Config;
  stt: SpeechToText;
  llm: () => StreamingChatModel | undefined;
  tts: () => TextToSpeech | undefined;
  reporter: CallReporter;
  /** The customer's memory and history, loading while the greeting plays. */
  context: Promise<CallContext>;
  metrics: VoiceMetrics;
  log: Logger;
  streamSid: string;
  callSid: string;
  send(frame: string): void;
  now?: () => number;
}

/** Rounds of tool use one reply may take before it must answer. */
const MAX_TOOL_ROUNDS = 3;
/** Voice-activity window for barge-in: 20 frames of 20 ms. */
const VAD_WINDOW_FRAMES = 20;
/** Keypad digits are gathered until a pause this long, or `#`. */
const DTMF_PAUSE_MS = 1500;
/** How long the end of a turn waits for its audio to finish playing before it is recorded anyway. */
const SETTLE_TIMEOUT_MS = 60_000;

interface ActiveTurn {
  id: number;
  abort: AbortController;
  /** Caller's last voiced audio before this turn's end of speech, and when STT finalized it. */
  speechEndedAt?: number;
  sttReceivedAt?: number;
  llmRequestAt?: number;
  llmFirstTokenAt?: number;
  llmFirstChunkAt?: number;
  firstTtsRequestAt?: number;
  firstTtsByteAt?: number;
  firstAudioAt?: number;
  /** This turn's place in the call's context, filled with what was heard once it is over. */
  slot: ChatTurn;
  /** What the tools did, for the model's memory of the call (the transcript keeps only speech). */
  toolNotes: string[];
  /** The turn this one superseded: its heard text must be in the context before this one asks the model. */
  after?: Promise<void>;
  done: Promise<void>;
}

/**
 * One live call: caller audio → STT; each end of turn → a streamed LLM reply cut into
 * speakable chunks → streaming TTS → Twilio, with a mark per chunk. The caller talking over the
 * agent (enough voiced audio, not a cough) clears Twilio's buffer and cancels the whole turn;
 * marks tell what was heard, and only that goes into the transcript and the model's context.
 * Turns, DTMF and the hang-up are reported to the call's workflow without ever waiting on it.
 */
export class VoiceSession {
  private readonly playout: Playout;
  private stt?: SttSession;
  private readonly sttAudioBacklog: Buffer[] = [];
  private active?: ActiveTurn;
  private turnSeq = 0;
  /** This call so far, as the model sees it (agent turns hold only what was heard). */
  private readonly callTurns: ChatTurn[] = [];
  private readonly vad: boolean[] = [];
  private voicedInWindow = 0;
  private lastVoicedAt = 0;
  private dtmfDigits = '';
  private dtmfTimer?: NodeJS.Timeout;
  private ending = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly deps: VoiceSessionDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.playout = new Playout(deps.streamSid, (frame) => deps.send(frame), this.now);
  }

  /** Greets at once and opens STT in parallel (caller audio meanwhile is kept and sent when it opens). */
  start(): void {
    this.deps.metrics.callStarted();
    this.speakScripted(this.deps.config().voice.greeting);
    this.deps.stt
      .open(
        {
          speechStarted: () => undefined,
          partial: () => undefined,
          endOfTurn: (turn) => this.onEndOfTurn(turn),
          error: (error) => {
            this.deps.log.error({ err: error, callSid: this.deps.callSid }, 'speech recognition failed for good');
            this.deps.metrics.fallback('stt');
            if (!this.closed && !this.ending)
              this.speakScripted("Sorry, I can't hear you right now. Please call back in a moment.");
          },
        },
        { callId: this.deps.callSid },
      )
      .then(
        (session) => {
          if (this.closed) return void session.close();
          this.stt = session;
          for (const audio of this.sttAudioBacklog.splice(0)) session.sendAudio(audio);
        },
        (error: unknown) => {
          this.deps.log.error({ err: error, callSid: this.deps.callSid }, 'could not open speech recognition');
          this.deps.metrics.fallback('stt');
          if (!this.closed) this.speakScripted("Sorry, I can't hear you right now. Please call back in a moment.");
        },
      );
  }

  onAudio(audio: Buffer): void {
    if (this.closed) return;
    if (this.stt) this.stt.sendAudio(audio);
    else this.sttAudioBacklog.push(audio);
    for (let offset = 0; offset < audio.length; offset += MULAW_FRAME_BYTES)
      this.observeFrame(audio.subarray(offset, offset + MULAW_FRAME_BYTES));
  }

  onMark(name: string): void {
    this.playout.onMark(name);
  }

  onDtmf(digit: string): void {
    if (this.closed || this.ending) return;
    this.dtmfDigits += digit;
    clearTimeout(this.dtmfTimer);
    if (digit === '#') this.flushDtmf();
    else this.dtmfTimer = setTimeout(() => this.flushDtmf(), DTMF_PAUSE_MS);
  }

  /** The stream is over (Twilio's stop, or the socket closed): finish the turn and tell the workflow. */
  async end(reason: StreamEnded['reason']): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.dtmfTimer);
    const active = this.active;
    if (active) {
      active.abort.abort();
      this.playout.cut(active.id);
      await active.done;
    }
    this.deps.reporter.ended({ reason, at: new Date().toISOString() });
    await this.stt?.close();
    this.deps.metrics.callEnded();
  }

  // ---- caller audio ---------------------------------------------------------------------------

  private observeFrame(frame: Buffer): void {
    const voiced = mulawRms(frame) >= this.deps.config().voice.voicedRms;
    this.vad.push(voiced);
    if (voiced) {
      this.voicedInWindow++;
      this.lastVoicedAt = this.now();
    }
    if (this.vad.length > VAD_WINDOW_FRAMES && this.vad.shift()) this.voicedInWindow--;
    if (this.active && this.voicedInWindow * 20 >= this.deps.config().voice.bargeInMinVoicedMs) this.bargeIn();
  }

  /** The caller talks over the agent (or over its thinking): the whole turn is cancelled. */
  private bargeIn(): void {
    const active = this.active;
    if (!active || this.ending) return;
    active.abort.abort();
    if (this.playout.isSpeaking()) {
      this.playout.clear(active.id);
      this.deps.metrics.bargeIn();
      this.deps.log.debug({ callSid: this.deps.callSid, turnId: active.id }, 'barge-in: cleared the agent audio');
    } else {
      this.playout.cut(active.id);
    }
    this.active = undefined;
  }

  private onEndOfTurn(turn: SttTurn): void {
    if (this.closed || this.ending) return;
    this.callerSaid(turn.transcript, 'speech', {
      speechEndedAt: this.lastVoicedAt || turn.receivedAt,
      sttReceivedAt: turn.receivedAt,
    });
  }

  private flushDtmf(): void {
    clearTimeout(this.dtmfTimer);
    const digits = this.dtmfDigits;
    this.dtmfDigits = '';
    if (!digits || this.closed || this.ending) return;
    this.deps.reporter.dtmf(digits);
    this.callerSaid(`(The caller pressed the keypad: ${digits.split('').join(' ')})`, 'dtmf', {});
  }

  private callerSaid(
    text: string,
    source: 'speech' | 'dtmf',
    timing: { speechEndedAt?: number; sttReceivedAt?: number },
  ): void {
    // Anything still in flight is superseded by what the caller just said.
    const previous = this.active;
    this.bargeIn();
    // The utterance that just ended is not a barge-in on the reply to it.
    this.vad.length = 0;
    this.voicedInWindow = 0;
    const id = ++this.turnSeq;
    this.deps.reporter.turn({ turnId: id, role: 'caller', text, at: new Date().toISOString(), source });
    this.callTurns.push({ role: 'user', content: text });
    this.runTurn(id, (turn, speaker) => this.reply(turn, speaker), {
      ...timing,
      ...(previous ? { after: previous.done } : {}),
    });
  }

  // ---- the agent's turns ----------------------------------------------------------------------

  private runTurn(
    id: number,
    body: (turn: ActiveTurn, speaker: () => ReplySpeaker | undefined) => Promise<void>,
    timing: { speechEndedAt?: number; sttReceivedAt?: number; after?: Promise<void> },
  ): void {
    const slot: ChatTurn = { role: 'assistant', content: '' };
    this.callTurns.push(slot);
    const turn: ActiveTurn = {
      id,
      abort: new AbortController(),
      ...timing,
      slot,
      toolNotes: [],
      done: Promise.resolve(),
    };
    this.active = turn;
    let speaker: ReplySpeaker | undefined;
    const tts = this.deps.tts();
    const makeSpeaker = () => {
      if (!tts) return undefined;
      speaker ??= new ReplySpeaker(id, tts, this.playout, turn.abort.signal, this.now);
      return speaker;
    };
    turn.done = (async () => {
      try {
        await body(turn, makeSpeaker);
        await speaker?.finished();
      } catch (error) {
        if (!turn.abort.signal.aborted) await this.fallback(turn, error, makeSpeaker);
      }
      if (speaker)
        Object.assign(turn, {
          firstTtsRequestAt: speaker.timings.firstTtsRequestAt,
          firstTtsByteAt: speaker.timings.firstTtsByteAt,
          firstAudioAt: speaker.timings.firstAudioSentAt,
        });
      await this.playout.settled(id, SETTLE_TIMEOUT_MS);
      if (this.active === turn) this.active = undefined;
      this.recordAgentTurn(turn);
    })();
  }

  /** Said without the model (greeting, failures): turn 0 for the greeting. */
  private speakScripted(text: string): void {
    const id = this.turnSeq === 0 && !this.active ? 0 : ++this.turnSeq;
    this.runTurn(id, async (_turn, speaker) => speaker()?.say(text), {});
  }

  private async reply(turn: ActiveTurn, speaker: () => ReplySpeaker | undefined): Promise<void> {
    const model = this.deps.llm();
    if (!model) throw new Error('no language model configured');
    const context = await this.deps.context;
    await turn.after;
    if (turn.abort.signal.aborted) return;
    const scratch: ChatTurn[] = [];
    for (let round = 0; round <= MAX_TOOL_ROUNDS; round++) {
      const chunker = new SpeechChunker();
      const say = (text: string) => {
        turn.llmFirstChunkAt ??= this.now();
        speaker()?.say(text);
      };
      turn.llmRequestAt ??= this.now();
      const toolCalls: ToolCall[] = [];
      let text = '';
      for await (const event of model.stream(
        {
          system: context.system,
          messages: toAlternatingTurns([...context.history, ...this.callTurns, ...scratch]),
          ...(round < MAX_TOOL_ROUNDS ? { tools: VOICE_TOOLS } : {}),
        },
        { signal: turn.abort.signal },
      )) {
        if (event.type === 'text') {
          turn.llmFirstTokenAt ??= this.now();
          text += event.text;
          for (const chunk of chunker.push(event.text)) say(chunk);
        } else if (event.type === 'tool_call') {
          toolCalls.push(event.call);
        }
      }
      if (turn.abort.signal.aborted) return;
      const rest = chunker.flush();
      if (rest) say(rest);
      if (toolCalls.length === 0) return;
      const results = await this.runTools(turn, toolCalls, speaker);
      if (turn.abort.signal.aborted) return;
      scratch.push(
        {
          role: 'assistant',
          content: [
            ...(text ? [{ type: 'text' as const, text }] : []),
            ...toolCalls.map((c): Anthropic.ToolUseBlockParam => ({
              type: 'tool_use',
              id: c.id,
              name: c.name,
              input: c.input,
            })),
          ],
        },
        {
          role: 'user',
          content: toolCalls.map((c, i): Anthropic.ToolResultBlockParam => ({
            type: 'tool_result',
            tool_use_id: c.id,
            content: results[i]!.result,
            ...(results[i]!.ok ? {} : { is_error: true }),
          })),
        },
      );
      turn.toolNotes.push(...toolCalls.map((c, i) => `(${c.name}: ${results[i]!.result})`));
      if (results.some((r) => r.endsConversation)) {
        this.ending = true;
        return;
      }
    }
  }

  /** Runs the model's tools through the call workflow; a short filler covers a slow one. */
  private async runTools(
    turn: ActiveTurn,
    calls: ToolCall[],
    speaker: () => ReplySpeaker | undefined,
  ): Promise<ToolOutcome[]> {
    const { filler, fillerAfterMs } = this.deps.config().voice;
    // Hanging up or transferring must not cut what the agent just said: wait until it has played.
    if (calls.some((c) => c.name === 'end_call' || c.name === 'transfer_to_human')) {
      await speaker()?.finished();
      await this.playout.settled(turn.id, SETTLE_TIMEOUT_MS);
    }
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled && !turn.abort.signal.aborted) speaker()?.say(filler);
    }, fillerAfterMs);
    try {
      return await Promise.all(
        calls.map((call) =>
          isVoiceTool(call.name)
            ? this.deps.reporter.runTool({ callId: call.id, name: call.name, input: call.input })
            : Promise.resolve({ ok: false, result: `There is no tool named ${call.name}.` }),
        ),
      );
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  }

  /** The model or TTS failed: the caller hears an apology instead of silence. */
  private async fallback(turn: ActiveTurn, error: unknown, speaker: () => ReplySpeaker | undefined): Promise<void> {
    // Anything that is not the synthesis failing (the model, a missing model, a bug) counts against the model.
    const kind = providerKindOf(error) === 'tts' ? 'tts' : 'llm';
    this.deps.metrics.fallback(kind);
    this.deps.log.error(
      { err: error, callSid: this.deps.callSid, turnId: turn.id },
      `${kind} failed during a reply; speaking the fallback line`,
    );
    if (this.closed) return;
    const retry = kind === 'tts' ? this.freshSpeaker(turn) : speaker();
    retry?.say(this.deps.config().voice.fallbackLine);
    try {
      await retry?.finished();
    } catch (again) {
      this.deps.log.error({ err: again, callSid: this.deps.callSid }, 'could not speak the fallback line either');
    }
  }

  /** After a TTS failure the failed speaker's queue is dead; a new one speaks the fallback. */
  private freshSpeaker(turn: ActiveTurn): ReplySpeaker | undefined {
    const tts = this.deps.tts();
    return tts ? new ReplySpeaker(turn.id, tts, this.playout, turn.abort.signal, this.now) : undefined;
  }

  private recordAgentTurn(turn: ActiveTurn): void {
    const heard = this.playout.heardText(turn.id);
    this.playout.forget(turn.id);
    turn.slot.content = [...turn.toolNotes, heard.text].filter(Boolean).join(' ');
    const latency = this.latencyOf(turn);
    if (latency) {
      this.deps.metrics.recordTurn(latency);
      // latencyOf returned a value, so these readings exist.
      recordTurnSpans(
        { callSid: this.deps.callSid, turnId: turn.id, interrupted: heard.interrupted },
        turn as ActiveTurn & TurnTimeline,
        latency,
      );
    }
    this.deps.reporter.turn({
      turnId: turn.id,
      role: 'agent',
      text: heard.text,
      at: new Date().toISOString(),
      ...(heard.interrupted ? { interrupted: true } : {}),
      ...(latency ? { latency } : {}),
    });
  }

  private latencyOf(turn: ActiveTurn): TurnLatency | undefined {
    const {
      speechEndedAt,
      sttReceivedAt,
      llmRequestAt,
      llmFirstTokenAt,
      llmFirstChunkAt,
      firstTtsRequestAt,
      firstTtsByteAt,
      firstAudioAt,
    } = turn;
    if (
      speechEndedAt === undefined ||
      sttReceivedAt === undefined ||
      llmRequestAt === undefined ||
      firstAudioAt === undefined
    )
      return undefined;
    const total = firstAudioAt - speechEndedAt;
    const sttMs = sttReceivedAt - speechEndedAt;
    const llmFirstChunkMs = (llmFirstChunkAt ?? llmRequestAt) - llmRequestAt;
    const ttsFirstByteMs =
      firstTtsByteAt !== undefined && firstTtsRequestAt !== undefined ? firstTtsByteAt - firstTtsRequestAt : 0;
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      endOfSpeechToFirstAudioMs: round(total),
      sttMs: round(sttMs),
      llmFirstTokenMs: round((llmFirstTokenAt ?? llmRequestAt) - llmRequestAt),
      llmFirstChunkMs: round(llmFirstChunkMs),
      ttsFirstByteMs: round(ttsFirstByteMs),
      overheadMs: round(Math.max(0, total - sttMs - llmFirstChunkMs - ttsFirstByteMs)),
    };
  }
}

function isVoiceTool(name: string): name is VoiceToolName {
  return VOICE_TOOLS.some((t) => t.name === name);
}
