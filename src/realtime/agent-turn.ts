import type { ChatItem } from '../agent/chat-items';
import type { ChatRequest, ToolCall } from '../agent/chat-model';
import type { StreamingChatModel } from '../agent/streaming-chat-model';
import { runToolRounds, type ToolResult, type ToolRoundReply } from '../agent/tool-rounds';
import type { ResolvedAgent } from '../agents/resolved-agent';
import type { RoutedToolCall, ToolOutcome } from '../agents/tool-calls';
import { modelToolSpecs, routeToolCalls, toolSpecsFor, type OfferedTool } from '../agents/tools/offering';
import type { Logger } from '../observability/logger';
import type { VoiceMetrics } from '../observability/metrics';
import { recordTurnSpans } from '../observability/tracing';
import { providerKindOf } from '../providers/provider-error';
import { SpeechChunker } from '../speech/chunker';
import type { TextToSpeech } from '../speech/tts';
import type { CallContext } from './call-context';
import type { CallEvents } from './call-events';
import type { Playout } from './playout';
import { ReplySpeaker } from './reply-speaker';
import { TurnTimeline, type CallerTiming } from './turn-timeline';
import type { TurnKnowledge } from './speculative-retrieval';
import { CitationMarkerFilter, citationsFor, knowledgeSection, type KnowledgePassage } from '../knowledge/citations';
import type { TurnRetrieval, TurnToolCall } from '../voice/call-types';
import { turnToolCall } from '../voice/tool-call-record';
import { MAX_PASSAGES_PER_SEARCH } from '../knowledge/retrieval-settings';

/** Rounds of tool use one reply may take before it must answer. */
const MAX_TOOL_ROUNDS = 3;
/** How long the end of a turn waits for its audio to finish playing before it is recorded anyway. */
const SETTLE_TIMEOUT_MS = 60_000;

export interface AgentTurnDeps {
  id: number;
  playout: Playout;
  tts: () => TextToSpeech | undefined;
  events: CallEvents;
  metrics: VoiceMetrics;
  log: Logger;
  callSid: string;
  /** The agent speaking this turn (pinned for the call; a handoff changes it from the next turn). */
  agent: () => ResolvedAgent;
  now: () => number;
  /** The caller's end of speech this turn answers, for its latency (absent for greetings and keypad input). */
  caller?: CallerTiming;
  /** The stream is over: a failure is logged but no fallback line is spoken. */
  hungUp: () => boolean;
}

export interface ReplyRequest {
  model: StreamingChatModel | undefined;
  /** Read again for every model round: a verification in one round brings the memory into the next. */
  context: () => Promise<CallContext>;
  /** The call so far as the model sees it, read again for every tool round. */
  callItems: () => ChatItem[];
  /**
   * The turn before this one, superseded or interrupted: its heard text and the notes of the tools
   * it ran must be in the context before this one asks the model.
   */
  after?: Promise<void>;
  /** The caller's number is proven theirs (read per model round: a code confirmed in one round counts in the next). */
  callerVerified: () => boolean;
  /** The agent's HTTP and MCP tools, offered beside its built-ins (listed once per call by the session). */
  externalTools?: () => Promise<OfferedTool[]>;
  /** `handoff_to_agent` succeeded: another agent answers from the next turn (this one says no more). */
  handedOff?: (handoff: NonNullable<ToolOutcome['handoff']>) => void;
  /** A tool ended the conversation (hang-up, transfer): the call takes no more turns. */
  endsCall: () => void;
  /** A tool confirmed the caller's identity: the call's context is to be reloaded with their memory. */
  verified: () => void;
  /** Passages for this turn, settled within the retrieval budget from the end of the caller's turn. */
  knowledge?: Promise<TurnKnowledge>;
}

/**
 * One agent turn: the model's streamed reply cut into speakable chunks and spoken as it comes
 * (tool rounds through the call's workflow, a filler over a slow tool), an apology if a provider
 * fails, and afterwards the record of what the caller actually heard. Aborting it stops all of that.
 */
export class AgentTurn {
  readonly abort = new AbortController();
  readonly timeline: TurnTimeline;
  private readonly tts: TextToSpeech | undefined;
  private speakerOnce?: ReplySpeaker;
  /** What the tools did, for the model's memory of the call (the transcript keeps only speech). */
  private readonly toolNotes: string[] = [];
  /** The tools the model was offered in the latest round (what its tool calls are run with). */
  private offered: OfferedTool[] = [];
  /** The tools run this turn and their answers, for the call record (the operator's call page). */
  private readonly toolCalls: TurnToolCall[] = [];
  /** What the transcript keeps besides the speech: a handoff to another agent. */
  private readonly transcriptNotes: string[] = [];
  /** Every passage this turn showed the model (retrieved first, then found by search_knowledge), by number. */
  private readonly shown: KnowledgePassage[] = [];
  /** The passage numbers the model cited (markers taken out of what was spoken). */
  private readonly cited: number[] = [];
  private retrieval?: TurnRetrieval;
  /** The next free passage number: each search_knowledge call reserves a block (calls of one round run in parallel). */
  private nextPassageNumber = 1;

  constructor(private readonly deps: AgentTurnDeps) {
    this.timeline = new TurnTimeline(deps.now, deps.caller);
    this.tts = deps.tts();
  }

  get id(): number {
    return this.deps.id;
  }

  /** Said without the model (greeting, failures). */
  speak(text: string): Promise<void> {
    return this.play(async () => this.speaker()?.say(text));
  }

  /** Asks the model and speaks its answer, running the tools it asks for. */
  reply(request: ReplyRequest): Promise<void> {
    return this.play(() => this.converse(request));
  }

  /** The caller talked over the turn (or a new utterance superseded it): stop, and drop unplayed audio. */
  interrupt(): void {
    this.abort.abort();
    if (this.deps.playout.isSpeaking()) {
      this.deps.playout.clear(this.id);
      this.deps.metrics.bargeIn();
      this.deps.log.debug({ callSid: this.deps.callSid, turnId: this.id }, 'barge-in: cleared the agent audio');
    } else {
      this.deps.playout.cut(this.id);
    }
  }

  /** The stream ended: stop; nothing more will play. */
  hangUp(): void {
    this.abort.abort();
    this.deps.playout.cut(this.id);
  }

  /**
   * Reports the turn as heard (with its latency, metrics and spans) and returns it as the call's
   * context should remember it: the tools' notes, then the words that were played.
   */
  record(): string {
    const { playout, metrics, events, callSid } = this.deps;
    const heard = playout.heardText(this.id);
    playout.forget(this.id);
    const latency = this.timeline.latency();
    const stages = this.timeline.stages();
    if (latency && stages) {
      metrics.recordTurn(latency);
      recordTurnSpans({ callSid, turnId: this.id, interrupted: heard.interrupted }, stages, latency);
    }
    events.turn({
      turnId: this.id,
      role: 'agent',
      text: [heard.text, ...this.transcriptNotes].filter(Boolean).join(' '),
      at: new Date().toISOString(),
      ...(heard.interrupted ? { interrupted: true } : {}),
      ...(latency ? { latency } : {}),
      agentId: this.deps.agent().id,
      ...(this.cited.length ? { citations: citationsFor(this.cited, this.shown) } : {}),
      ...(this.retrieval ? { retrieval: this.retrieval } : {}),
      ...(this.toolCalls.length ? { tools: this.toolCalls } : {}),
    });
    return [...this.toolNotes, heard.text].filter(Boolean).join(' ');
  }

  private speaker(): ReplySpeaker | undefined {
    if (!this.tts) return undefined;
    this.speakerOnce ??= new ReplySpeaker(this.id, this.tts, this.deps.playout, this.abort.signal, this.deps.now);
    return this.speakerOnce;
  }

  /** Runs the body to the last byte sent, falls back on a failure, then waits for the audio to play. */
  private async play(body: () => Promise<void>): Promise<void> {
    try {
      await body();
      await this.speakerOnce?.finished();
    } catch (error) {
      if (!this.abort.signal.aborted) await this.fallback(error);
    }
    if (this.speakerOnce) this.timeline.spoke(this.speakerOnce.timings);
    await this.deps.playout.settled(this.id, SETTLE_TIMEOUT_MS);
  }

  private async converse(request: ReplyRequest): Promise<void> {
    const { model } = request;
    if (!model) throw new Error('no language model configured');
    // The passages settle within their budget from the end of the caller's turn, beside the context.
    const [, knowledge] = await Promise.all([request.context(), request.knowledge]);
    await request.after;
    const signal = this.abort.signal;
    if (signal.aborted) return;
    if (knowledge) {
      this.shown.push(...knowledge.passages);
      this.nextPassageNumber = knowledge.passages.length + 1;
      this.retrieval = {
        outcome: knowledge.outcome,
        passages: knowledge.passages.length,
        waitedMs: knowledge.waitedMs,
        ...(knowledge.searchMs === undefined ? {} : { searchMs: knowledge.searchMs }),
      };
    }
    const passages = knowledgeSection(knowledge?.passages ?? [], 'voice');
    let ended = false;
    await runToolRounds<RoutedToolCall>({
      maxRounds: MAX_TOOL_ROUNDS,
      ask: async (items, { last }) => {
        const context = await request.context();
        this.offered = toolSpecsFor(this.deps.agent().definition, 'voice', {
          callerVerified: request.callerVerified(),
          extra: (await request.externalTools?.()) ?? [],
        });
        return this.ask(
          model,
          {
            system: passages ? `${context.system}\n\n${passages}` : context.system,
            items: [...context.history, ...request.callItems(), ...items],
          },
          last,
        );
      },
      runTools: async (calls) => {
        const outcomes = await this.runTools(calls);
        // Talked over before anything ran: nothing was done, so there is nothing to remember.
        if (!outcomes) return [];
        // Kept even when the caller talked over the turn: the next turn's model must know what ran, or it may run it again.
        this.toolNotes.push(...calls.map((c, i) => `(${c.name}: ${outcomes[i]!.result})`));
        if (outcomes.some((o) => o.verified)) request.verified();
        const handoff = outcomes.find((o) => o.handoff)?.handoff;
        if (handoff) {
          // The new agent speaks from the caller's next words; this turn ends with what was said before the handoff.
          this.transcriptNotes.push(`(handed off to ${handoff.name})`);
          ended = true;
          request.handedOff?.(handoff);
        }
        if (outcomes.some((o) => o.endsConversation)) {
          ended = true;
          request.endsCall();
        }
        return outcomes.map((o): ToolResult => ({ output: o.result, isError: !o.ok }));
      },
      shouldStop: () => signal.aborted || ended,
    });
  }

  /** One model round, spoken through the chunker as it streams; the last round offers no tools, so it must answer. */
  private async ask(
    model: StreamingChatModel,
    request: Omit<ChatRequest, 'tools'>,
    last: boolean,
  ): Promise<ToolRoundReply<RoutedToolCall>> {
    const { signal } = this.abort;
    const chunker = new SpeechChunker();
    // Citation markers are never spoken: taken out before the chunker, the numbers kept.
    const markers = new CitationMarkerFilter();
    const say = (text: string) => {
      this.timeline.mark('llmFirstChunk');
      this.speaker()?.say(text);
    };
    this.timeline.mark('llmRequest');
    const toolCalls: ToolCall[] = [];
    let text = '';
    const tools = last || this.offered.length === 0 ? {} : { tools: modelToolSpecs(this.offered) };
    for await (const event of model.stream({ ...request, ...tools }, { signal })) {
      if (event.type === 'text') {
        this.timeline.mark('llmFirstToken');
        text += event.text;
        for (const chunk of chunker.push(markers.push(event.text))) say(chunk);
      } else if (event.type === 'tool_call') {
        toolCalls.push(event.call);
      }
    }
    const routed = routeToolCalls(toolCalls, this.offered);
    for (const n of markers.cited) if (!this.cited.includes(n)) this.cited.push(n);
    if (signal.aborted) return { text, toolCalls: routed };
    for (const chunk of chunker.push(markers.flush())) say(chunk);
    const rest = chunker.flush();
    if (rest) say(rest);
    return { text, toolCalls: routed };
  }

  /**
   * Runs the model's tools through the call's workflow; a short filler covers a slow one (the
   * tool's own line, else the agent's). Undefined when the caller talked over the turn before
   * they started: then none runs.
   */
  private async runTools(calls: RoutedToolCall[]): Promise<ToolOutcome[] | undefined> {
    const offer = (call: RoutedToolCall) => this.offered.find((t) => t.name === call.name);
    // Hanging up or transferring must not cut what the agent just said: wait until it has played.
    if (calls.some((c) => offer(c)?.afterSpeech)) {
      await this.speaker()?.finished();
      await this.deps.playout.settled(this.id, SETTLE_TIMEOUT_MS);
    }
    if (this.abort.signal.aborted) return undefined;
    const { turnTaking } = this.deps.agent();
    const filler = calls.map((c) => offer(c)?.filler).find(Boolean) ?? turnTaking.filler;
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled && !this.abort.signal.aborted) this.speaker()?.say(filler);
    }, turnTaking.fillerAfterMs);
    try {
      return await Promise.all(calls.map((call) => this.runTool(call)));
    } finally {
      settled = true;
      clearTimeout(timer);
    }
  }

  /** One tool, in the call's workflow (a handoff too: the workflow records who speaks next). */
  private runTool(call: RoutedToolCall): Promise<ToolOutcome> {
    if (!call.route) return Promise.resolve({ ok: false, result: `There is no tool named ${call.name}.` });
    // Numbers go on from the passages shown so far, so each [n] of the turn names one passage.
    let numbering = {};
    if (call.name === 'search_knowledge') {
      numbering = { firstPassageNumber: this.nextPassageNumber };
      this.nextPassageNumber += MAX_PASSAGES_PER_SEARCH;
    }
    return this.deps.events
      .runTool({
        toolCallId: call.id,
        name: call.name,
        input: call.input,
        route: call.route,
        ...(call.repeatSafe === false ? { repeatSafe: false } : {}),
        ...numbering,
      })
      .then((outcome) => {
        if (outcome.passages) this.shown.push(...outcome.passages);
        this.toolCalls.push(turnToolCall(call, outcome, new Date()));
        return outcome;
      });
  }

  /** The model or TTS failed: the caller hears an apology instead of silence. */
  private async fallback(error: unknown): Promise<void> {
    const { metrics, log, callSid, playout, now } = this.deps;
    // Anything that is not the synthesis failing (the model, a missing model, a bug) counts against the model.
    const kind = providerKindOf(error) === 'tts' ? 'tts' : 'llm';
    metrics.fallback(kind);
    log.error({ err: error, callSid, turnId: this.id }, `${kind} failed during a reply; speaking the fallback line`);
    if (this.deps.hungUp()) return;
    // After a TTS failure the failed speaker's queue is dead; a new one speaks the fallback.
    const tts = kind === 'tts' ? this.deps.tts() : undefined;
    const retry =
      kind === 'tts' ? tts && new ReplySpeaker(this.id, tts, playout, this.abort.signal, now) : this.speaker();
    retry?.say(this.deps.agent().fallbackLine);
    try {
      await retry?.finished();
    } catch (again) {
      log.error({ err: again, callSid }, 'could not speak the fallback line either');
    }
  }
}
