// `npm run call -- [--to +E164] [--from +E164] [--say "..." ...]`: places a simulated inbound call against the
// running dev system exactly as Twilio would (call at the emulated Twilio, signed voice webhook,
// TwiML parameters, answered status, media stream through the gateway), plays a scripted caller,
// and prints the conversation with the latency of every answer, read from the operator API.
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createTwilioClient } from '../src/telephony/twilio/client';
import { devDataDir } from '../devstack/paths';
import { sandboxFile, sandboxTarget, type SandboxInfo } from '../devstack/sandbox';
import {
  fetchSandboxStatus,
  holdCallerScript,
  releaseCallerScript,
  SandboxControlError,
  type SandboxStatus,
} from '../devstack/sandbox-control';
import {
  CALL_USAGE,
  formatConversation,
  parseCallArgs,
  speakingTimeMs,
  streamParameters,
  UsageError,
} from '../devstack/simulated-call';
import type { CallTurn } from '../src/voice/call-types';
import { MediaStreamsCaller } from '../devstack/emulators/media-streams';
import { sendTwilioWebhook } from '../devstack/emulators/twilio';

/** Waiting for one answer to be heard: the caller's speech, recognition, the reply and its playback. */
const TURN_TIMEOUT_MS = 45_000;
/** The workflow records the call's end a moment after the hang-up. */
const FINISH_TIMEOUT_MS = 15_000;
/** A person's pause before answering what they just heard. */
const REACTION_MS = 400;

/** A failure with a message meant for the person at the terminal (no stack trace). */
class CallFailed extends Error {}

/** Set once Ctrl-C or the deadline took over: that path hangs up, reports and exits. */
let aborting = false;

interface CallRecordJson {
  turns: CallTurn[];
  outcome?: string;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const NO_VOICE_SANDBOX =
  'the running system has no voice sandbox. A simulated call needs Twilio and AssemblyAI emulated, which `npm run dev` does only when ' +
  'neither the environment nor the config file names a Twilio account and ASSEMBLYAI_API_KEY is unset. With real credentials, call your Twilio number from a real phone ' +
  '(its voice webhook: POST {PUBLIC_URL}/twilio/voice/incoming, status callback {PUBLIC_URL}/twilio/voice/status).';

function readSandbox(): { sandbox: SandboxInfo; file: string } {
  const file = sandboxFile(devDataDir());
  if (!fs.existsSync(file))
    throw new CallFailed(
      `no sandbox found at ${file}: start the system with \`npm run dev\` (without provider credentials) in another terminal first`,
    );
  return { sandbox: JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo, file };
}

async function main(): Promise<void> {
  const options = parseCallArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${CALL_USAGE}\n`);
    return;
  }
  const { sandbox, file } = readSandbox();
  const gateway = (options.gateway ?? sandbox.gatewayUrl ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(
    /\/+$/,
    '',
  );
  const publicUrl = (sandbox.publicUrl ?? process.env.PUBLIC_URL ?? 'http://localhost:3000').replace(/\/+$/, '');

  try {
    await fetch(`${gateway}/health`, { signal: AbortSignal.timeout(3000) });
  } catch {
    throw new CallFailed(
      `the system is not running (no answer from ${gateway}/health): start it with \`npm run dev\` in another terminal`,
    );
  }
  const control = sandbox.control;
  if (!control) throw new CallFailed(NO_VOICE_SANDBOX);
  let status: SandboxStatus;
  try {
    status = await fetchSandboxStatus(control);
  } catch {
    throw new CallFailed(NO_VOICE_SANDBOX);
  }
  const apiKey = sandbox.operatorApiKey ?? process.env.OPERATOR_API_KEY;
  if (!apiKey)
    throw new CallFailed(
      'the transcript is read from the operator API, and the dev stack uses your own OPERATOR_API_KEY: set it in this terminal too',
    );

  const owner = randomUUID();
  const from = options.from;
  const target = sandboxTarget(sandbox, options.to);
  const to = target.to;
  let caller: MediaStreamsCaller | undefined;
  let callSid: string | undefined;
  let answeredAt: number | undefined;
  let ended = false;

  const webhook = async (path: string, params: Record<string, string>) => {
    try {
      return await sendTwilioWebhook({
        url: `${gateway}${path}`,
        publicUrl: `${publicUrl}${path}`,
        authToken: sandbox.authToken,
        params,
        timeoutMs: 10_000,
      });
    } catch (error) {
      throw new CallFailed(
        `the gateway did not answer ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const api = async (path: string): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${gateway}/api${path}`, {
      headers: { 'x-api-key': apiKey },
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const record = async (): Promise<CallRecordJson | undefined> => {
    const { status: code, json } = await api(`/calls/${callSid}`);
    if (code === 404) return undefined;
    if (code === 401 || code === 503)
      throw new CallFailed(
        `the operator API refused the key (HTTP ${code}): if you set OPERATOR_API_KEY for \`npm run dev\`, set the same one here`,
      );
    if (
      code !== 200 ||
      typeof json !== 'object' ||
      json === null ||
      !Array.isArray((json as { turns?: unknown }).turns)
    )
      throw new CallFailed(`the operator API answered HTTP ${code} for the call`);
    return json as CallRecordJson;
  };
  /** Polls the call's record until `pick` finds something; the call hanging up early fails at once. */
  const waitFor = async <T>(
    what: string,
    pick: (r: CallRecordJson) => T | undefined,
    timeoutMs: number,
    needCaller = true,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await record();
      const found = current ? pick(current) : undefined;
      if (found !== undefined) return found;
      if (needCaller && caller && !caller.isOpen) throw new CallFailed(`the call ended before ${what}`);
      if (Date.now() > deadline)
        throw new CallFailed(`no ${what} within ${Math.round(timeoutMs / 1000)} s; check the \`npm run dev\` output`);
      await sleep(200);
    }
  };
  /** The agent's answer to the caller's latest turn, once it has been heard (it is recorded after its audio played). */
  const agentAnswer = (callerTurns: number) => (r: CallRecordJson) => {
    const said = r.turns.filter((t) => t.role === 'caller');
    if (said.length < callerTurns) return undefined;
    const last = said[said.length - 1]!;
    return r.turns.find((t) => t.role === 'agent' && t.turnId >= last.turnId);
  };
  const hangUp = async () => {
    if (!callSid || ended) return;
    ended = true;
    if (caller?.isOpen) await caller.hangup();
    // Twilio reports the end of the call after the stream stops; the call's workflow finishes on it.
    const duration = answeredAt === undefined ? 0 : Math.round((Date.now() - answeredAt) / 1000);
    await webhook('/twilio/voice/status', {
      CallSid: callSid,
      AccountSid: sandbox.accountSid,
      CallStatus: 'completed',
      CallbackSource: 'call-progress-events',
      CallDuration: String(duration),
      From: from,
      To: to,
      Direction: 'inbound',
      SequenceNumber: '3',
    }).catch(() => undefined);
  };
  const cleanUp = async () => {
    await hangUp().catch(() => undefined);
    await releaseCallerScript(control, owner).catch(() => undefined);
  };

  // Never leave a call (and the script lease) behind: Ctrl-C and the overall deadline hang up first.
  const abort = (message: string, code: number) => {
    if (aborting) return;
    aborting = true;
    progress(`call: ${message}`);
    void cleanUp().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted; hung up', 130));
  const watchdog = setTimeout(
    () => abort('gave up: the call took too long; check the `npm run dev` output', 1),
    60_000 + options.utterances.length * TURN_TIMEOUT_MS,
  );

  try {
    try {
      await holdCallerScript(control, owner, options.utterances);
    } catch (error) {
      if (error instanceof SandboxControlError)
        throw new CallFailed(`the sandbox refused the caller's script: ${error.message}`);
      throw error;
    }
    const twilio = createTwilioClient({
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      apiBaseUrl: sandbox.twilioApiBaseUrl,
      timeoutMs: 5000,
    });
    // The call exists at "Twilio" first, as a real one does, so the agent's tools (transfer, hang-up) find it.
    callSid = (await twilio.calls.create({ to, from, twiml: '<Response><Pause length="600"/></Response>' })).sid;
    progress(`calling ${to} (${target.note}) from ${from} (${callSid}) …`);
    const answer = await webhook('/twilio/voice/incoming', {
      CallSid: callSid,
      AccountSid: sandbox.accountSid,
      From: from,
      To: to,
      Direction: 'inbound',
      CallStatus: 'ringing',
      // As a real caller on a US carrier with full STIR/SHAKEN attestation: trusted, so their memory is recalled.
      StirVerstat: 'TN-Validation-Passed-A',
      ApiVersion: '2010-04-01',
    });
    if (answer.status === 403)
      throw new CallFailed(
        `the gateway rejected the webhook signature (403): is ${gateway} the sandbox's gateway, and PUBLIC_URL still ${publicUrl}? (see ${file})`,
      );
    if (answer.status !== 200)
      throw new CallFailed(`the voice webhook answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
    const { parameters } = streamParameters(answer.body);
    const answered = await webhook('/twilio/voice/status', {
      CallSid: callSid,
      AccountSid: sandbox.accountSid,
      CallStatus: 'in-progress',
      CallbackSource: 'call-progress-events',
      From: from,
      To: to,
      Direction: 'inbound',
      SequenceNumber: '2',
    });
    if (answered.status !== 204)
      throw new CallFailed(`the call status callback answered HTTP ${answered.status}: ${answered.body.slice(0, 300)}`);
    answeredAt = Date.now();
    // Twilio opens the stream at the <Stream url>, which is the public URL; locally that is the gateway.
    caller = await MediaStreamsCaller.connect(`${gateway.replace(/^http/, 'ws')}/twilio/media-stream`, {
      accountSid: sandbox.accountSid,
      callSid,
      customParameters: parameters,
      from,
      to,
    });

    const greeting = await waitFor(
      'greeting',
      (r) => r.turns.find((t) => t.role === 'agent' && t.turnId === 0),
      TURN_TIMEOUT_MS,
    );
    progress(`  agent:  ${greeting.text}`);
    for (const [index, line] of options.utterances.entries()) {
      await sleep(REACTION_MS);
      progress(`  caller: ${line}`);
      await caller.say({ durationMs: speakingTimeMs(line), seed: index + 1 });
      const reply = await waitFor(`answer to "${line}"`, agentAnswer(index + 1), TURN_TIMEOUT_MS);
      progress(`  agent:  ${reply.text}`);
    }
    await sleep(REACTION_MS);
    await hangUp();
    const final = await waitFor(
      'end of the call in its record',
      (r) => (r.outcome ? r : undefined),
      FINISH_TIMEOUT_MS,
      false,
    ).catch(() => undefined);
    const call = final ?? (await record());
    progress('hung up.\n');
    const timings = status.timings;
    const simulated = [
      `simulated provider timings: speech recognition finalizes ${timings.sttFinalizationMs} ms after the end-of-turn silence`,
      status.emulated.includes('anthropic')
        ? `LLM first token ${timings.llmFirstTokenMs} ms (then ${timings.llmTokensPerSecond} tokens/s)`
        : 'LLM real',
      status.emulated.includes('tts') ? `TTS first byte ${timings.ttsFirstByteMs} ms` : 'TTS real',
    ].join(', ');
    process.stdout.write(
      formatConversation({
        callSid,
        from,
        to,
        turns: call?.turns ?? [],
        ...(call?.outcome ? { outcome: call.outcome } : {}),
        note: `emulated locally: ${status.emulated.join(', ')}; ${simulated}.\nfull record: curl -H "X-API-Key: ${sandbox.operatorApiKey ? `<operatorApiKey in ${file}>` : '$OPERATOR_API_KEY'}" ${gateway}/api/calls/${callSid}`,
      }),
    );
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }
}

main().then(
  () => {
    if (!aborting) process.exit(0);
  },
  (error: unknown) => {
    // The interrupted call's own failure ("call ended") is not news; the abort path exits.
    if (aborting) return;
    const message =
      error instanceof CallFailed || error instanceof UsageError
        ? error.message
        : error instanceof Error
          ? `${error.message}`
          : String(error);
    process.stderr.write(`call: ${message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
