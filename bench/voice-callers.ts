/**
 * The callers process of bench/voice-calls.ts (forked by it; not meant to be run by hand): Twilio's
 * side of every simulated call, kept out of the benchmarked process so that its CPU, memory and
 * event loop are the system's own. Each call is placed the way test/harness/voice.ts `connectCall`
 * does it (the call is created at the Twilio REST emulator, the signed voice webhook is answered
 * with TwiML, the in-progress status callback, then the Media Stream through the gateway), holds
 * its turns, hangs up and sends the completed status callback.
 */
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { createTwilioClient } from '../src/telephony/twilio/client';
import { speech } from '../devstack/emulators/audio';
import { MediaStreamsCaller } from '../devstack/emulators/media-streams';
import { seededRandom } from '../devstack/emulators/shared/seeded-random';
import { sendTwilioWebhook, type WebhookParams } from '../devstack/emulators/twilio/webhook-sender';
import { streamParameters } from '../test/harness/voice';
import type { CallResult, CallerTarget, FromCallers, RunRequest, ToCallers } from './voice-calls-protocol';

function send(message: FromCallers): void {
  process.send?.(message);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Utterances of 1–1.5 s of speech-like audio, synthesized once before any call starts. */
const UTTERANCES = [1000, 1100, 1200, 1300, 1400, 1500].flatMap((durationMs) =>
  [1, 2].map((seed) => ({ durationMs, audio: speech(durationMs, seed) })),
);

/**
 * Resolves true once the agent's reply to speech that ended at `after` has been heard to its end:
 * its audio came, everything the app sent has played (every mark echoed, Twilio's buffer empty),
 * and the app has sent nothing more for `quietMs`. This is the caller's view of "the agent is done
 * talking" and needs no database: test/harness/voice.ts `agentTurn` polls CallStore instead, which
 * at hundreds of calls would load the database the system shares with the benchmark (FerretDB on
 * SQLite scans a collection for each such query). A reply that stalls for longer than `quietMs`
 * would be a playback gap, and talking over it a barge-in: both are counted.
 */
async function replyHeard(
  caller: MediaStreamsCaller,
  after: number,
  timeoutMs: number,
  quietMs: number,
): Promise<boolean> {
  // Called as soon as the speech ended: what arrives from here on is the reply.
  const receivedFrom = caller.received.length;
  const mediaFrom = caller.media.length;
  const echoedFrom = caller.marks.length;
  try {
    await caller.waitUntil(() => {
      if (!caller.isOpen) return true;
      const received = caller.received;
      const last = received.at(-1);
      if (last === undefined || last.at <= after || performance.now() - last.at < quietMs) return false;
      if (caller.media.length === mediaFrom || caller.bufferedBytes > 0) return false;
      let marks = 0;
      for (let i = receivedFrom; i < received.length; i++) if (received[i]!.event === 'mark') marks++;
      return caller.marks.length - echoedFrom >= marks;
    }, timeoutMs);
  } catch {
    return false;
  }
  return caller.isOpen;
}

async function webhook(
  target: CallerTarget,
  path: string,
  params: WebhookParams,
): Promise<{ status: number; body: string }> {
  const response = await sendTwilioWebhook({
    url: `${target.gatewayUrl}${path}`,
    publicUrl: `${target.publicUrl}${path}`,
    authToken: target.authToken,
    params,
  });
  return { status: response.status, body: response.body };
}

async function callStatus(
  target: CallerTarget,
  callSid: string,
  status: string,
  extra: Record<string, string>,
): Promise<void> {
  const response = await webhook(target, '/twilio/voice/status', {
    CallSid: callSid,
    AccountSid: target.accountSid,
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    ...extra,
  });
  if (response.status !== 204)
    throw new Error(`status callback ${status} answered ${response.status}: ${response.body}`);
}

interface LiveCall {
  state: CallResult;
  caller?: MediaStreamsCaller;
  connectedAt: number;
  hangingUp: boolean;
}

let goSignal: (() => void) | undefined;

async function run(request: RunRequest): Promise<void> {
  const { target, level } = request;
  const random = seededRandom(request.seed);
  const account = createTwilioClient({
    accountSid: target.accountSid,
    authToken: target.authToken,
    apiBaseUrl: target.twilioApiBaseUrl,
    timeoutMs: request.connectTimeoutMs,
  });
  const calls: LiveCall[] = [];
  let open = 0;
  let peakOpen = 0;
  const started = performance.now();

  const place = async (index: number): Promise<LiveCall> => {
    const remote = `${request.numberPrefix}${String(request.firstNumber + index).padStart(4, '0')}`;
    const call: LiveCall = {
      state: {
        index,
        remote,
        greeted: false,
        turns: [],
        gaps: 0,
        maxGapMs: 0,
        clears: 0,
        protocolErrors: 0,
        closedByApp: false,
        completed: false,
      },
      connectedAt: 0,
      hangingUp: false,
    };
    calls.push(call);
    await sleep(started + index * request.staggerMs - performance.now());
    let stage = 'create the call at the Twilio emulator';
    try {
      const callSid = (
        await account.calls.create({
          to: target.agentNumber,
          from: remote,
          twiml: '<Response><Pause length="600"/></Response>',
        })
      ).sid;
      call.state.callSid = callSid;
      const form = {
        CallSid: callSid,
        AccountSid: target.accountSid,
        From: remote,
        To: target.agentNumber,
        Direction: 'inbound',
        CallStatus: 'ringing',
        // A fully attested caller ID (trusted): the call loads the customer's memory, as a real one would.
        StirVerstat: 'TN-Validation-Passed-A',
        ApiVersion: '2010-04-01',
      };
      stage = 'voice webhook';
      const answer = await withTimeout(
        webhook(target, '/twilio/voice/incoming', form),
        request.connectTimeoutMs,
        stage,
      );
      if (answer.status !== 200) throw new Error(`answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      const { parameters } = streamParameters(answer.body);
      stage = 'in-progress status callback';
      await withTimeout(
        callStatus(target, callSid, 'in-progress', {
          From: remote,
          To: target.agentNumber,
          Direction: 'inbound',
          SequenceNumber: '2',
        }),
        request.connectTimeoutMs,
        stage,
      );
      stage = 'media stream';
      const caller = await MediaStreamsCaller.connect(target.mediaStreamUrl, {
        accountSid: target.accountSid,
        callSid,
        customParameters: parameters,
        from: remote,
        to: target.agentNumber,
        openTimeoutMs: request.connectTimeoutMs,
      });
      call.caller = caller;
      call.connectedAt = performance.now();
      open++;
      peakOpen = Math.max(peakOpen, open);
      void caller.closed.then((info) => {
        open--;
        if (!call.hangingUp) {
          call.state.closedByApp = true;
          call.state.error ??= `media stream closed by the ${info.by} (${info.code} ${info.reason})`;
        }
      });
      stage = 'greeting';
      if (!(await replyHeard(caller, caller.startedAt, request.turnTimeoutMs, request.quietMs)))
        throw new Error(`not heard to its end within ${request.turnTimeoutMs} ms`);
      call.state.greeted = true;
    } catch (error) {
      call.state.error ??= `${stage}: ${errorText(error)}`;
    }
    return call;
  };

  const converse = async (call: LiveCall, caller: MediaStreamsCaller): Promise<void> => {
    await sleep(random() * request.spreadMs);
    for (let turnId = 1; turnId <= request.turns; turnId++) {
      if (!caller.isOpen) return;
      const utterance = UTTERANCES[(call.state.index + turnId) % UTTERANCES.length]!;
      const endOfSpeech = await caller.say(utterance.audio);
      const concurrent = open;
      const answered = await replyHeard(caller, endOfSpeech, request.turnTimeoutMs, request.quietMs);
      const firstAudio = caller.firstAudioAfter(endOfSpeech);
      call.state.turns.push({
        turnId,
        speechMs: utterance.durationMs,
        answered,
        concurrent,
        ...(firstAudio !== undefined ? { firstAudioMs: Math.round((firstAudio - endOfSpeech) * 10) / 10 } : {}),
      });
      // Talking again before the reply was heard would be a barge-in: this call stops here.
      if (!answered) return;
      // The caller takes a moment before answering (on top of the quiet time above).
      await sleep(random() * 500);
    }
  };

  const greetedCalls = await Promise.all(Array.from({ length: level }, (_, i) => place(i)));
  const ready = greetedCalls.filter((c) => c.state.greeted && c.caller?.isOpen);
  send({
    type: 'greeted',
    greeted: ready.length,
    failed: level - ready.length,
    elapsedMs: Math.round(performance.now() - started),
  });
  await new Promise<void>((resolve) => (goSignal = resolve));
  goSignal = undefined;

  const cpu = process.cpuUsage();
  const wallStart = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await Promise.all(
    ready.map((call) =>
      converse(call, call.caller!).catch((error: unknown) => {
        call.state.error ??= `turn: ${errorText(error)}`;
      }),
    ),
  );
  loop.disable();
  const used = process.cpuUsage(cpu);
  send({
    type: 'turns-done',
    cpu: { userMicros: used.user, systemMicros: used.system },
    wallMs: performance.now() - wallStart,
    loopDelay: { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 },
  });

  // Everyone stayed on the line until the last turn; now they all hang up.
  await Promise.all(
    calls.map(async (call) => {
      const { caller, state } = call;
      if (!state.callSid) return;
      if (caller) {
        const gaps = caller.playbackGaps();
        state.gaps = gaps.length;
        state.maxGapMs = Math.round(Math.max(0, ...gaps.map((g) => g.durationMs)));
        state.clears = caller.clears.length;
        state.protocolErrors = caller.protocolErrors.length;
      }
      call.hangingUp = true;
      // A call whose stream never connected still ends at Twilio, with its final status callback.
      const seconds = caller ? Math.max(1, Math.round((performance.now() - call.connectedAt) / 1000)) : 0;
      try {
        await caller?.hangup();
        await callStatus(target, state.callSid, 'completed', {
          From: state.remote,
          To: target.agentNumber,
          Direction: 'inbound',
          CallDuration: String(seconds),
          SequenceNumber: '3',
        });
        state.completed = true;
      } catch (error) {
        state.error ??= `hang-up: ${errorText(error)}`;
      }
    }),
  );
  send({ type: 'result', calls: calls.sort((a, b) => a.state.index - b.state.index).map((c) => c.state), peakOpen });
}

process.on('message', (raw: unknown) => {
  const message = raw as ToCallers;
  if (message.type === 'go') {
    goSignal?.();
    return;
  }
  run(message).catch((error: unknown) =>
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.on('warning', (warning) =>
  send({ type: 'warning', message: `callers process: ${warning.name}: ${warning.message}` }),
);
// The benchmark went away (finished, crashed or was interrupted): so do its callers and their sockets.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
