import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { CallSidKey, CustomerIdKey } from '../../src/temporal/search-attributes';
import {
  CALL_STATUS_RANK,
  RECORDING_STATUS_RANK,
  TERMINAL_CALL_STATUSES,
  type CallAgent,
  type CallOutcome,
  type CallRecordingUpdate,
  type CallStatusUpdate,
  type CallTurn,
  type StreamEnded,
  type StreamStarted,
  type ToolRequestPayload,
  callParties,
  toolCallIdOf,
} from '../../src/voice/call-types';
import { builtInToolNamed, type RoutedToolCall, type ToolContext, type ToolOutcome } from '../../src/agents/tool-calls';
import { toolDispatcher } from '../tool-dispatch';
import {
  CALLER_WAITING,
  CALL_RECORDING,
  CONVERSATION_STEP,
  KNOWLEDGE_INDEXING,
} from '../../src/temporal/retry-policies';
import {
  callStateQuery,
  callStatusSignal,
  dtmfSignal,
  recordingSignal,
  runToolUpdate,
  streamEndedSignal,
  streamLostSignal,
  streamStartedSignal,
  turnSignal,
  type CallResult,
  type CallWorkflow,
  type CallWorkflowInput,
  type CarriedCallState,
  type HeardTurn,
  type ToolInFlight,
} from './contract';

const { recordCallTurn, recordCallStart, finalizeCall, summarizeHistoryIfNeeded } =
  proxyActivities<Activities>(CONVERSATION_STEP);
/** A caller is waiting on the line: tools get a few quick attempts, not minutes of retries. */
const { runVoiceTool, handOffCall } = proxyActivities<Activities>(CALLER_WAITING);
/** The same path as a text conversation's tools: `tool_<name>` for built-ins, the external tools' activities. */
const dispatchTool = toolDispatcher(CALLER_WAITING);

/**
 * Starting a recording races the caller's conversation, so it runs beside it; bounded, so a Twilio
 * outage cannot hold the call's end for long. Longer than two Twilio requests (15 s each), so a
 * timed-out attempt has given up before the next one lists the call's recordings.
 */
const { startCallRecording } = proxyActivities<Activities>(CALL_RECORDING);

/** The transcript into knowledge search once the call is over (its turns are all recorded by then). */
const { indexCallTranscript } = proxyActivities<Activities>(KNOWLEDGE_INDEXING);

/** After the stream ends, how long the final status callback may take before the call is closed without it. */
const STATUS_GRACE = '30 seconds';
/**
 * A call that is never answered and never reports a final status is closed after this: since the
 * call's start in runs from before calls survived workers, since its latest news in later ones (a
 * live call is never finalized while it talks).
 */
const ABANDONED_AFTER = '2 hours';
/** A live call's turns per run before it continues as new (bounded history; Temporal may suggest it sooner). */
const CONTINUE_AFTER_TURNS = 400;
/** Turns kept for a worker that takes the call over (its model's view of the call so far). */
const TRANSCRIPT_TURNS = 60;
/** Tool answers carried across continue-as-new, so a retried tool call still runs once. */
const CARRIED_TOOL_ANSWERS = 32;

/**
 * `call-<CallSid>`: one phone call's durable side. Status callbacks (in any order) and the
 * realtime worker's reports (stream start, turns, DTMF, hang-up) arrive as signals; each turn is
 * recorded as it happens, so a dropped call leaves its partial transcript. Tools with side
 * effects run here as updates. At the end: the call record, the customer's memory, `call.ended`.
 */
export async function callWorkflow(input: CallWorkflowInput): Promise<CallResult> {
  /**
   * Calls survive a lost stream (another worker takes over), continue as new while live instead of
   * being finalized after ABANDONED_AFTER, and end `dropped` when their stream was lost for good.
   * Runs from before this replay as they were.
   */
  const survives = input.carried !== undefined || patched('calls-survive-workers');
  const carried = input.carried;
  let status: CallStatusUpdate | undefined = carried?.status;
  let stream: StreamStarted | undefined = carried?.stream;
  let ended: StreamEnded | undefined;
  let outcomeHint: CallOutcome | undefined = carried?.outcomeHint;
  const pending: CallTurn[] = [];
  const dtmf: string[] = carried?.dtmf ?? [];
  let turns = carried?.turns ?? 0;
  const tools = new Map<string, Promise<ToolOutcome>>(
    (carried?.answeredTools ?? []).map(([id, outcome]) => [id, Promise.resolve(outcome)]),
  );
  const answered = new Map<string, ToolOutcome>(carried?.answeredTools ?? []);
  const inFlight = new Map<string, ToolInFlight>();
  const recordings = new Map<string, CallRecordingUpdate>((carried?.recordings ?? []).map((r) => [r.recordingSid, r]));
  /** The agents that spoke, in order: the one the call was answered by, then each handoff's. */
  const agents: CallAgent[] = carried?.agents ?? [];
  const handoffs = new Set<string>(carried?.handoffs ?? []);
  let recordingStarted: Promise<void> | undefined;
  const statusGrace = input.timings?.statusGrace ?? STATUS_GRACE;
  const abandonedAfter = input.timings?.abandonedAfter ?? ABANDONED_AFTER;
  /** The stream live now (the latest to start): an end reported for an earlier one is stale. */
  let liveStreamSid = carried?.liveStreamSid ?? stream?.streamSid;
  let streams = carried?.streams ?? (stream ? 1 : 0);
  let reconnects = carried?.reconnects ?? 0;
  let lost = carried?.lost ?? false;
  const transcript: HeardTurn[] = carried?.transcript ?? [];
  /** Counts every signal and update: a call is abandoned only after a whole `abandonedAfter` without any. */
  let news = 0;
  let turnsThisRun = 0;

  setHandler(callStatusSignal, (update) => {
    news++;
    // Forward only: Twilio does not guarantee arrival order (SequenceNumber says the real one).
    if (status && CALL_STATUS_RANK[update.status] < CALL_STATUS_RANK[status.status]) return;
    if (status && TERMINAL_CALL_STATUSES.includes(status.status)) return;
    const previous = status;
    status = { ...update };
    for (const key of ['from', 'to', 'direction'] as const)
      if (status[key] === undefined && previous?.[key] !== undefined) status[key] = previous[key];
  });
  setHandler(streamStartedSignal, (started) => {
    news++;
    if (stream) {
      // Another worker took the call over after its stream was lost: the call goes on.
      if (!survives || started.streamSid === liveStreamSid) return;
      streams++;
      reconnects++;
      liveStreamSid = started.streamSid;
      ended = undefined;
      return;
    }
    stream = started;
    liveStreamSid = started.streamSid;
    streams = 1;
    if (started.agentId !== undefined && started.agentVersion !== undefined)
      agents.unshift({ agentId: started.agentId, version: started.agentVersion, at: started.at });
  });
  setHandler(turnSignal, (turn) => {
    news++;
    pending.push(turn);
    if (survives) {
      transcript.push({
        turnId: turn.turnId,
        role: turn.role,
        text: turn.text,
        ...(turn.interrupted ? { interrupted: true } : {}),
      });
      if (transcript.length > TRANSCRIPT_TURNS) transcript.splice(0, transcript.length - TRANSCRIPT_TURNS);
    }
  });
  setHandler(dtmfSignal, ({ digits }) => {
    news++;
    dtmf.push(digits);
  });
  setHandler(streamEndedSignal, (end) => {
    news++;
    if (!survives) {
      ended ??= end;
      return;
    }
    // A replaced stream's late report changes nothing: its successor is live.
    if (end.streamSid !== undefined && liveStreamSid !== undefined && end.streamSid !== liveStreamSid) return;
    ended ??= end;
  });
  setHandler(streamLostSignal, () => {
    news++;
    lost = true;
  });
  setHandler(recordingSignal, (update) => {
    news++;
    const known = recordings.get(update.recordingSid);
    if (known && RECORDING_STATUS_RANK[update.status] <= RECORDING_STATUS_RANK[known.status]) return;
    recordings.set(update.recordingSid, { ...known, ...update });
  });
  setHandler(callStateQuery, () => ({
    status,
    stream,
    ended,
    turns,
    dtmf,
    outcome: outcomeHint,
    recordings: [...recordings.values()],
    agents,
    ...(survives
      ? {
          streams,
          reconnects,
          lost,
          verifiedByCode,
          transcript,
          toolsInFlight: [...inFlight.values()],
        }
      : {}),
  }));
  /** The caller's number is proven theirs: by the carrier or our own dial (the stream's trust), or by a code they confirmed. */
  let verifiedByCode = carried?.verifiedByCode ?? false;
  const callerVerified = () => stream?.trust === 'verified' || verifiedByCode;
  const toolContext = (toolCallId: string): ToolContext => {
    const { remote, local } = stream ?? callParties(status ?? {});
    return {
      channel: 'voice',
      callSid: input.callSid,
      accountSid: input.accountSid,
      customerId: stream?.customerId ?? '',
      customerAddress: remote,
      agentAddress: local,
      toolCallId,
      callerVerified: callerVerified(),
      ...(currentAgent() ? { agent: currentAgent()! } : {}),
    };
  };
  const currentAgent = (): { agentId: string; version: number } | undefined => {
    const agent = agents[agents.length - 1];
    return agent && { agentId: agent.agentId, version: agent.version };
  };
  const runTool = (request: ToolRequestPayload, toolCallId: string): Promise<ToolOutcome> => {
    // Runs from before the tool catalogue ran every voice tool in one activity; their histories replay so.
    if (!patched('tool-catalogue'))
      return runVoiceTool({
        callSid: input.callSid,
        accountSid: input.accountSid,
        ...(stream ? { remote: stream.remote, local: stream.local } : callParties(status ?? {})),
        ...(currentAgent() ? { agent: currentAgent()! } : {}),
        request: { toolCallId, name: request.name, input: request.input },
      });
    const call: RoutedToolCall = {
      id: toolCallId,
      name: request.name,
      input: request.input,
      // A realtime worker of an earlier release sends no route: it offered built-ins only.
      ...(request.route
        ? { route: request.route }
        : builtInToolNamed(request.name)
          ? { route: { kind: 'builtin' } }
          : {}),
      ...(request.repeatSafe === false ? { repeatSafe: false } : {}),
    };
    const numbering =
      'firstPassageNumber' in request && request.firstPassageNumber
        ? { firstPassageNumber: request.firstPassageNumber }
        : {};
    // A handoff changes who speaks on the call: the realtime worker switches agents from the next turn.
    return dispatchTool(
      call,
      { ...toolContext(toolCallId), ...numbering },
      {
        handoff: (handoff) =>
          handOffCall({ input: handoff.input, ...(currentAgent() ? { current: currentAgent()! } : {}) }),
      },
    );
  };
  setHandler(
    runToolUpdate,
    (request) => {
      news++;
      // The same tool call (a retried update) runs once and gets the same answer.
      const toolCallId = toolCallIdOf(request);
      let run = tools.get(toolCallId);
      if (!run) {
        run = runTool(request, toolCallId);
        tools.set(toolCallId, run);
        if (survives) {
          inFlight.set(toolCallId, {
            toolCallId,
            name: request.name,
            ...(request.route ? { route: request.route } : {}),
          });
          void run.then(
            (outcome) => {
              inFlight.delete(toolCallId);
              answered.set(toolCallId, outcome);
            },
            () => inFlight.delete(toolCallId),
          );
        }
      }
      return run.then((outcome) => {
        const name = builtInToolNamed(request.name);
        if (outcome.ok && name === 'transfer_call') outcomeHint = 'transferred';
        if (outcome.ok && name === 'end_call') outcomeHint ??= 'agent_ended';
        if (outcome.verified) verifiedByCode = true;
        // Recorded once per tool call, whichever retried update asked (workflow time is replay-safe).
        if (outcome.handoff && !handoffs.has(toolCallId)) {
          handoffs.add(toolCallId);
          agents.push({
            agentId: outcome.handoff.agentId,
            version: outcome.handoff.version,
            at: new Date().toISOString(),
          });
        }
        return outcome;
      });
    },
    {
      validator: (request: ToolRequestPayload) => {
        // Built-ins (and the legacy transfer_to_human), and external tools the realtime worker routed.
        const external = request.route && request.route.kind !== 'builtin';
        if (!builtInToolNamed(request.name) && !external) throw new Error(`unknown tool ${String(request.name)}`);
      },
    },
  );

  const isTerminal = () => status !== undefined && TERMINAL_CALL_STATUSES.includes(status.status);
  let recordedStart = carried?.recordedStart ?? false;
  const drain = async () => {
    if (stream && !recordedStart) {
      recordedStart = true;
      upsertSearchAttributes([{ key: CustomerIdKey, value: stream.customerId }]);
      // Outbound calls are recorded by their create request; an inbound one only once it is answered and streaming.
      if (stream.direction === 'inbound') {
        recordingStarted = startCallRecording({ callSid: input.callSid, accountSid: input.accountSid }).then(
          (result) => {
            if (result.status === 'refused')
              log.warn('call not recorded', { callSid: input.callSid, reason: result.reason });
          },
          (error: unknown) => log.warn('call not recorded', { callSid: input.callSid, error: String(error) }),
        );
      }
      await recordCallStart({ callSid: input.callSid, stream });
    }
    while (pending.length > 0) {
      const turn = pending.shift()!;
      await recordCallTurn({
        callSid: input.callSid,
        accountSid: input.accountSid,
        customerId: stream?.customerId,
        remote: stream?.remote ?? '',
        local: stream?.local ?? '',
        turn,
      });
      turns++;
      turnsThisRun++;
    }
  };

  if (!carried) upsertSearchAttributes([{ key: CallSidKey, value: input.callSid }]);
  let timedOut = false;
  if (!survives) {
    const abandoned = condition(() => false, abandonedAfter).then(() => true);
    void abandoned.then(() => (timedOut = true));
  }
  const continueAfterTurns = input.timings?.continueAfterTurns ?? CONTINUE_AFTER_TURNS;
  const live = () => stream !== undefined && ended === undefined && !isTerminal();
  const tooLong = () =>
    survives && live() && (turnsThisRun >= continueAfterTurns || workflowInfo().continueAsNewSuggested);
  for (;;) {
    const wake = () =>
      pending.length > 0 ||
      (stream !== undefined && !recordedStart) ||
      isTerminal() ||
      ended !== undefined ||
      timedOut ||
      tooLong();
    if (survives) {
      const heard = news;
      // Closed only after a whole `abandonedAfter` without any news; a live call reports its turns.
      if (!(await condition(wake, abandonedAfter)) && news === heard) timedOut = true;
    } else await condition(wake);
    await drain();
    if (isTerminal() || timedOut) break;
    if (tooLong()) {
      await condition(allHandlersFinished);
      await drain();
      await recordingStarted;
      if (live()) await continueAsNew<CallWorkflow>({ ...input, carried: carry() });
      continue;
    }
    if (ended) {
      const which = ended;
      // The stream is over; the final status callback normally follows within seconds, and so does
      // the stream of a worker that takes the call over.
      await condition(() => isTerminal() || pending.length > 0 || (survives && ended !== which), statusGrace);
      await drain();
      if (survives && ended !== which) continue;
      if (!pending.length) break;
    }
  }
  // Twilio's final status can overtake the realtime worker's last report (the agent's last turn, the hang-up).
  if (stream && !ended && !lost) await condition(() => ended !== undefined, statusGrace);
  // No worker ever reported the end of the live stream: it was lost with its worker (killed).
  if (survives && stream && !ended) lost = true;
  await condition(allHandlersFinished);
  await drain();
  // Settled (started, refused or given up) before the workflow ends, never abandoned mid-attempt.
  await recordingStarted;

  const outcome: CallOutcome = outcomeHint ?? (lost ? 'dropped' : outcomeOf(status, stream, ended));
  await finalizeCall({
    callSid: input.callSid,
    accountSid: input.accountSid,
    ...(stream ? { stream } : {}),
    ...(status ? { status } : {}),
    ...(ended ? { ended } : {}),
    outcome,
    turns,
    dtmf,
    startedAt: carried?.startedAt ?? workflowInfo().startTime.toISOString(),
    agents,
    ...(reconnects > 0 ? { reconnects } : {}),
  });
  // Searchable as soon as the call is over: before memory upkeep, which may wait on the model.
  // Runs from before calls were indexed replay without this step.
  if (stream?.customerId && patched('index-call-transcript')) await indexTranscript(input.callSid);
  // The turns are in the customer's history already; fold older history into their summary if it grew too long.
  if (stream?.customerId) await summarizeHistoryIfNeeded({ customerId: stream.customerId });
  return { outcome, turns };

  function carry(): CarriedCallState {
    return {
      ...(status ? { status } : {}),
      ...(stream ? { stream } : {}),
      ...(liveStreamSid ? { liveStreamSid } : {}),
      turns,
      dtmf,
      ...(outcomeHint ? { outcomeHint } : {}),
      recordings: [...recordings.values()],
      agents,
      handoffs: [...handoffs],
      verifiedByCode,
      recordedStart,
      streams,
      reconnects,
      lost,
      transcript,
      answeredTools: [...answered].slice(-CARRIED_TOOL_ANSWERS),
      startedAt: carried?.startedAt ?? workflowInfo().startTime.toISOString(),
    };
  }
}

callWorkflow satisfies CallWorkflow;

/** Indexing that fails past its retry budget is logged: the call is recorded all the same (and can be indexed again). */
async function indexTranscript(callSid: string): Promise<void> {
  try {
    await indexCallTranscript({ callSid });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('call transcript not indexed', { callSid, error: error.cause?.message });
  }
}

function outcomeOf(
  status: CallStatusUpdate | undefined,
  stream: StreamStarted | undefined,
  ended: StreamEnded | undefined,
): CallOutcome {
  if (ended?.reason === 'socket_closed' || ended?.reason === 'error' || ended?.reason === 'handover') return 'dropped';
  switch (status?.status) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    default:
      return stream || status ? 'completed' : 'failed';
  }
}
