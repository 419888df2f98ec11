import { assistantMessage, userMessage, type ChatItem, type MessageItem } from '../agent/chat-items';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import type { OfferedTool } from '../agents/tools/offering';
import type { ResolvedAgent } from '../agents/resolved-agent';
import type { Config } from '../config/schema';
import type { CallerTrust } from '../customers/caller-trust';
import type { Logger } from '../observability/logger';
import type { VoiceMetrics } from '../observability/metrics';
import type { SpeechToText } from '../speech/stt';
import type { TextToSpeech } from '../speech/tts';
import type { StreamEnded } from '../voice/call-types';
import type { ToolOutcome } from '../agents/tool-calls';
import { AgentTurn } from './agent-turn';
import type { CallContext } from './call-context';
import { boundCallItems } from './call-context-window';
import type { CallEvents } from './call-events';
import type { LiveCallTap } from './live-feed';
import { CallerInput } from './caller-input';
import { Playout } from './playout';
import type { CallerTiming } from './turn-timeline';
import type { HeardTurn, ToolInFlight } from '../../workflows/call/contract';
import { SpeculativeRetrieval, type TurnKnowledge } from './speculative-retrieval';
import type { KnowledgePassage } from '../knowledge/citations';

export interface VoiceSessionDeps {
  config: () => Config;
  /** Opened once, with the answering agent's turn-taking settings. */
  stt: SpeechToText;
  /** The model and the voice of the agent speaking (another agent's after a handoff). */
  llm: (agent: ResolvedAgent) => StreamingChatModel | undefined;
  tts: (agent: ResolvedAgent) => TextToSpeech | undefined;
  reporter: CallEvents;
  /** The operator console's view of the call as it happens (absent: nobody is told). */
  live?: LiveCallTap;
  /** The agent that answered, at the version pinned for the call. */
  agent: ResolvedAgent;
  /** How far the caller is trusted at the start: only an unverified caller can become verified (by a code). */
  trust: CallerTrust;
  /**
   * The prompt and the customer's memory and history as far as the caller is trusted, for an agent:
   * loaded while the greeting plays, again once a caller is verified, and after a handoff.
   */
  context: (agent: ResolvedAgent, trust: CallerTrust) => Promise<CallContext>;
  /** An agent at a version (the one a handoff names); absent: handoffs are refused. */
  findAgent?: (agentId: string, version: number) => Promise<ResolvedAgent | undefined>;
  /** The call is closed after this long; default the agent's `maxCallMinutes` (tests shorten it). */
  timeLimitMs?: number;
  /**
   * Whether the call is recorded, as signed into the stream token (a call placed with `record`);
   * undefined: the live `voice.record` decides.
   */
  recorded?: boolean;
  /** The agent's HTTP and MCP tools (offered beside its built-ins); absent: none. */
  externalTools?: (agent: ResolvedAgent) => Promise<OfferedTool[]>;
  /** This stream takes over a call whose stream was lost: no greeting, the call so far restored. */
  resume?: CallResume;
  /**
   * Knowledge for the caller's turns (absent: none). `search` looks in the scope of the agent
   * speaking and the caller's trust (their own history only once verified); undefined when that
   * scope is empty.
   */
  knowledge?: VoiceKnowledge;
  metrics: VoiceMetrics;
  log: Logger;
  streamSid: string;
  callSid: string;
  send(frame: string): void;
  now?: () => number;
}

/** How a call retrieves knowledge for its turns without delaying the first audio (speculative-retrieval.ts). */
export interface VoiceKnowledge {
  search: (text: string, agent: ResolvedAgent, trust: CallerTrust) => Promise<KnowledgePassage[]> | undefined;
  /** How long a partial stands before it is searched. */
  debounceMs: number;
  /** How long the reply waits, at the end of the caller's turn, for passages not ready yet. */
  budgetMs: number;
}

/** A call taken over from a lost stream, as its workflow knew it. */
export interface CallResume {
  /** The latest turns heard (oldest first): the model's view of the call so far. */
  transcript: HeardTurn[];
  /** Turn numbers go on from here (the call record keeps one turn per number). */
  lastTurnId: number;
  /** Tool calls that had not answered when the stream was lost: asked again (by id, so they run once). */
  toolsInFlight: ToolInFlight[];
}

/** How long a draining worker waits for a turn in progress to finish before handing the call over anyway. */
const HANDOVER_WAIT_MS = 15_000;

const CANNOT_HEAR = "Sorry, I can't hear you right now. Please call back in a moment.";
/** Said when the agent's `maxCallMinutes` is reached, before the call is ended. */
const TIME_LIMIT_LINE = "I'm sorry, we've reached the time limit for this call. Thank you for calling, goodbye.";

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
  /** The call's turns reached the context cap once (logged once). */
  private contextCapped = false;
  /** A tool ended the conversation: the caller's input is no longer answered. */
  private ending = false;
  private closed = false;
  private context: Promise<CallContext>;
  private trust: CallerTrust;
  /** The agent speaking; a handoff replaces it from the caller's next turn. */
  private agent: ResolvedAgent;
  private timeLimit?: NodeJS.Timeout;
  /**
   * Each speaking agent's HTTP and MCP tools, listed once per call (as it starts, or at a handoff),
   * in parallel with the context: a turn never waits on an MCP server's listing.
   */
  private readonly externalToolOffers = new Map<string, Promise<OfferedTool[]>>();
  private readonly now: () => number;
  /** Searches from the caller's partial transcript while they finish (absent: no knowledge). */
  private readonly retrieval?: SpeculativeRetrieval;

  constructor(private readonly deps: VoiceSessionDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.agent = deps.agent;
    this.trust = deps.trust;
    const { knowledge } = deps;
    if (knowledge)
      this.retrieval = new SpeculativeRetrieval({
        search: (text) => knowledge.search(text, this.agent, this.trust),
        debounceMs: knowledge.debounceMs,
        now: this.now,
        failed: (error) => deps.log.warn({ err: error, callSid: deps.callSid }, 'knowledge search failed'),
      });
    this.context = this.loadContext();
    void this.externalToolsOf(this.agent);
    const { live } = deps;
    this.playout = new Playout(
      deps.streamSid,
      (frame) => deps.send(frame),
      this.now,
      live && { watched: () => live.watched, playing: (turnId, text) => live.current('agent', text, turnId) },
    );
    this.caller = new CallerInput(
      {
        stt: deps.stt,
        callSid: deps.callSid,
        log: deps.log,
        vad: () => ({
          voicedRms: deps.config().voice.voicedRms,
          bargeInMinVoicedMs: this.agent.turnTaking.bargeInMinVoicedMs,
        }),
        now: this.now,
      },
      {
        endOfTurn: (text, timing) => {
          if (!this.closed && !this.ending) this.callerSaid(text, 'speech', timing);
        },
        partial: (text) => {
          if (this.closed || this.ending) return;
          this.retrieval?.onPartial(text);
          live?.current('caller', text);
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
    const { resume } = this.deps;
    if (resume) this.restore(resume);
    else {
      const { greeting } = this.agent;
      const recorded = this.deps.recorded ?? voice.record;
      this.speakScripted(recorded ? `${voice.recordingAnnouncement} ${greeting}` : greeting);
    }
    this.caller.start();
    this.timeLimit = setTimeout(() => this.timeUp(), this.deps.timeLimitMs ?? this.agent.maxCallMinutes * 60_000);
    this.timeLimit.unref();
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
    clearTimeout(this.timeLimit);
    this.retrieval?.close();
    const active = this.active;
    if (active) {
      active.turn.hangUp();
      await active.done;
    }
    this.deps.reporter.ended({ reason, at: new Date().toISOString() });
    await this.caller.close();
    this.deps.metrics.callEnded();
  }

  /**
   * The worker drains: once no turn is in progress (or after HANDOVER_WAIT_MS), resolves so the
   * stream can be closed and another worker take the call over. The caller's next words after this
   * are heard by that worker.
   */
  async handOver(): Promise<void> {
    const deadline = this.now() + HANDOVER_WAIT_MS;
    while (!this.closed && this.now() < deadline) {
      const busy = this.active?.done;
      if (!busy) break;
      await Promise.race([busy, new Promise((r) => setTimeout(r, 200))]);
    }
    // What was said reaches the workflow before the next worker asks it for the call so far.
    await this.deps.reporter.flush();
  }

  /**
   * A stream taking over a lost one: the call so far becomes the model's context again, tools that
   * were running are asked for their answers (the workflow runs each once), and a short line tells
   * the caller the agent is back instead of greeting them again.
   */
  private restore(resume: CallResume): void {
    for (const turn of resume.transcript) {
      const text = turn.interrupted ? `${turn.text} [interrupted by the caller]` : turn.text;
      this.callItems.push(turn.role === 'caller' ? userMessage(text) : assistantMessage(text));
    }
    this.turnSeq = resume.lastTurnId;
    const answers = resume.toolsInFlight.map(async (tool) => {
      const outcome = await this.deps.reporter.runTool({
        toolCallId: tool.toolCallId,
        name: tool.name,
        input: {},
        ...(tool.route ? { route: tool.route } : {}),
      });
      this.callItems.push(assistantMessage(`(${tool.name}: ${outcome.result})`));
    });
    // The caller's next turn waits for them: the model must know what those tools did.
    this.lastTurnDone = Promise.all(answers).then(() => undefined);
    const line = this.agent.resumptionLine;
    this.startTurn(++this.turnSeq, undefined, (turn) => turn.speak(line));
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
    this.boundContext();
    const { agent } = this;
    // Bounded by the budget from now (the end of the caller's turn), so it runs beside the context wait.
    const knowledge: Promise<TurnKnowledge> | undefined =
      source === 'speech' && this.retrieval && this.deps.knowledge
        ? this.retrieval.forTurn(text, this.deps.knowledge.budgetMs)
        : undefined;
    this.startTurn(id, timing, (turn) =>
      turn.reply({
        model: this.deps.llm(agent),
        context: () => this.context,
        callItems: () => this.callItems,
        after: previous,
        callerVerified: () => this.trust === 'verified',
        endsCall: () => this.leaving(turn),
        verified: () => this.callerConfirmed(),
        handedOff: (handoff) => this.handOff(handoff),
        externalTools: () => this.externalToolsOf(agent),
        ...(knowledge ? { knowledge } : {}),
      }),
    );
  }

  /** A long call keeps only its newest turns in the model's context (call-context-window.ts); said once per call. */
  private boundContext(): void {
    const dropped = boundCallItems(this.callItems);
    if (dropped === 0 || this.contextCapped) return;
    this.contextCapped = true;
    this.deps.log.warn(
      { callSid: this.deps.callSid, dropped, kept: this.callItems.length },
      "call context at its cap: the call's oldest turns are left out of the model's context",
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

  /** The prompt of the agent speaking, with what the caller may hear of the customer's memory. */
  private loadContext(): Promise<CallContext> {
    const { agent, trust } = this;
    return this.deps.context(agent, trust);
  }

  /** The caller confirmed the code: from the next model round on, the context holds their memory and history. */
  private callerConfirmed(): void {
    if (this.trust !== 'unverified' || this.deps.trust !== 'unverified') return;
    this.trust = 'verified';
    const before = this.context;
    this.context = this.loadContext().catch((error: unknown) => {
      this.deps.log.error({ err: error }, 'could not load the verified caller context; going on without memory');
      return before;
    });
  }

  /**
   * `handoff_to_agent` succeeded: from the caller's next turn the new agent's instructions, voice,
   * model, tools, filler and fallback apply; what was said so far stays in the call's context. (The
   * STT session keeps the turn-taking it was opened with.)
   */
  private handOff(handoff: NonNullable<ToolOutcome['handoff']>): void {
    const { findAgent, log } = this.deps;
    if (!findAgent) return;
    const before = this.context;
    this.context = findAgent(handoff.agentId, handoff.version)
      .then((agent) => {
        if (!agent) throw new Error(`agent ${handoff.agentId} version ${handoff.version} not found`);
        this.agent = agent;
        void this.externalToolsOf(agent);
        log.info({ agentId: agent.id, agentVersion: agent.version }, 'call handed off to another agent');
        return this.loadContext();
      })
      .catch((error: unknown) => {
        log.error({ err: error, agentId: handoff.agentId }, 'could not hand the call off; the same agent carries on');
        return before;
      });
  }

  /** The agent's HTTP and MCP tools, asked for once per agent version of this call; none when they cannot be listed. */
  private externalToolsOf(agent: ResolvedAgent): Promise<OfferedTool[]> {
    const key = `${agent.id}@${agent.version}`;
    let offer = this.externalToolOffers.get(key);
    if (!offer) {
      const list = this.deps.externalTools;
      offer = list
        ? list(agent).catch((error: unknown) => {
            this.deps.log.warn({ err: error, agentId: agent.id }, "could not list the agent's external tools");
            return [];
          })
        : Promise.resolve([]);
      this.externalToolOffers.set(key, offer);
    }
    return offer;
  }

  /** The agent's `maxCallMinutes` are up: a short closing line, then the call ends as if the agent hung up. */
  private timeUp(): void {
    if (this.closed || this.ending) return;
    this.deps.log.info({ maxCallMinutes: this.agent.maxCallMinutes }, 'call time limit reached; ending the call');
    this.interrupt();
    this.ending = true;
    const { reporter, callSid } = this.deps;
    this.startTurn(++this.turnSeq, undefined, async (turn) => {
      await turn.speak(TIME_LIMIT_LINE);
      if (!this.closed) await reporter.runTool({ toolCallId: `time-limit-${callSid}`, name: 'end_call', input: {} });
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
    const { tts, reporter, metrics, log, callSid } = this.deps;
    const { agent } = this;
    const turn = new AgentTurn({
      id,
      playout: this.playout,
      tts: () => tts(agent),
      events: reporter,
      metrics,
      log,
      callSid,
      agent: () => agent,
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
