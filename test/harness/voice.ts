import { ConnectedCall, MediaStreamsCaller } from '../../devstack/emulators/media-streams';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { CallStore } from '../../src/voice/call-store';
import type { CallTurn } from '../../src/voice/call-types';
import { lastUserText, textReply } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { AGENT_NUMBER, PUBLIC_URL, TEST_ACCOUNT_SID, eventually, type TestSystem } from './system';

/** `<Parameter name=".." value=".."/>` of a `<Connect><Stream>` answer, as Twilio passes them to `start`. */
export function streamParameters(twiml: string): { url: string; parameters: Record<string, string> } {
  const unescape = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url || !/<Connect[\s>]/.test(twiml)) throw new Error(`not a <Connect><Stream> answer: ${twiml}`);
  const parameters: Record<string, string> = {};
  for (const match of twiml.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g))
    parameters[unescape(match[1]!)] = unescape(match[2]!);
  return { url: unescape(url), parameters };
}

export interface LiveCall {
  callSid: string;
  /** The (first) stream. */
  caller: MediaStreamsCaller;
  parameters: Record<string, string>;
  twiml: string;
  /** With `followActions`: the whole call, across the streams the action URL opens. */
  call?: ConnectedCall;
}

/**
 * Does what Twilio does for a call: the call exists at "Twilio" (the emulator), the voice webhook
 * is answered with TwiML, the call is answered (status callback) and the media stream connects
 * through the gateway with the TwiML's parameters.
 */
export async function connectCall(
  system: TestSystem,
  options: {
    remote: string;
    direction?: 'inbound' | 'outbound-api';
    callSid?: string;
    /**
     * Twilio's STIR/SHAKEN verdict on an inbound caller ID: full attestation (trusted, memory
     * recalled) unless a test says otherwise; `null` sends none, as for a call from abroad.
     */
    stirVerstat?: string | null;
    /** Our number on the call (default AGENT_NUMBER). */
    local?: string;
    /**
     * Behave as Twilio does after the stream: a stream the app closes (or refuses) makes Twilio ask the
     * `<Connect>` action URL and follow its TwiML (`call` holds every stream); else the call ends with its stream.
     */
    followActions?: boolean;
  },
): Promise<LiveCall> {
  const direction = options.direction ?? 'inbound';
  const stirVerstat = options.stirVerstat === undefined ? 'TN-Validation-Passed-A' : options.stirVerstat;
  const local = options.local ?? AGENT_NUMBER;
  const [from, to] = direction === 'inbound' ? [options.remote, local] : [local, options.remote];
  let callSid = options.callSid;
  if (!callSid) {
    const account = system.config.get().twilio.accounts[0]!;
    const rest = createTwilioClient({
      accountSid: account.accountSid,
      authToken: account.authToken,
      apiBaseUrl: account.apiBaseUrl,
      timeoutMs: 5000,
    });
    callSid = (await rest.calls.create({ to, from, twiml: '<Response><Pause length="600"/></Response>' })).sid;
  }
  const form = {
    CallSid: callSid,
    AccountSid: TEST_ACCOUNT_SID,
    From: from,
    To: to,
    Direction: direction,
    CallStatus: 'ringing',
    ApiVersion: '2010-04-01',
    ...(direction === 'inbound' && stirVerstat !== null ? { StirVerstat: stirVerstat } : {}),
  };
  // Twilio fetches the URL a placed call was created with (its query included); others ring our number.
  const placedUrl = system.twilio.state.calls.find((c) => c.sid === callSid)?.url;
  const answerPath = placedUrl?.startsWith(PUBLIC_URL) ? placedUrl.slice(PUBLIC_URL.length) : '/twilio/voice/incoming';
  const answer = await system.webhook(answerPath, form);
  if (answer.status !== 200) throw new Error(`voice webhook answered ${answer.status}: ${answer.body}`);
  const { parameters } = streamParameters(answer.body);
  await callStatus(system, callSid, 'in-progress', { From: from, To: to, Direction: direction, SequenceNumber: '2' });
  if (options.followActions) {
    const call = await ConnectedCall.start(
      {
        accountSid: TEST_ACCOUNT_SID,
        callSid,
        from,
        to,
        direction,
        // A restarted gateway listens elsewhere: each stream goes to the one up now.
        mediaStreamUrl: () => system.mediaStreamUrl,
        publicUrl: PUBLIC_URL,
        webhook: (path, params) => system.webhook(path, params),
      },
      answer.body,
    );
    return { callSid, caller: call.current, parameters, twiml: answer.body, call };
  }
  const caller = await MediaStreamsCaller.connect(system.mediaStreamUrl, {
    accountSid: TEST_ACCOUNT_SID,
    callSid,
    customParameters: parameters,
    from,
    to,
  });
  return { callSid, caller, parameters, twiml: answer.body };
}

export async function callStatus(
  system: TestSystem,
  callSid: string,
  status: string,
  extra: Record<string, string> = {},
): Promise<void> {
  const response = await system.webhook('/twilio/voice/status', {
    CallSid: callSid,
    AccountSid: TEST_ACCOUNT_SID,
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    ...extra,
  });
  if (response.status !== 204) throw new Error(`status callback answered ${response.status}: ${response.body}`);
}

/** The agent's turn `turnId` as recorded by the call's workflow (it is recorded once its audio has played or was cut). */
export async function agentTurn(
  system: TestSystem,
  callSid: string,
  turnId: number,
  timeoutMs = 20_000,
): Promise<CallTurn> {
  const calls = new CallStore(system.db);
  return eventually(
    `agent turn ${turnId} of ${callSid}`,
    async () => (await calls.get(callSid))?.turns.find((t) => t.role === 'agent' && t.turnId === turnId),
    timeoutMs,
  );
}

/** The model: answers by rules on what the caller last said ("Okay." otherwise), seeing the whole call. */
export function scriptModel(system: TestSystem, rules: Array<[RegExp, (request: RecordedRequest) => string]>): void {
  system.anthropic.setResponder((request) => {
    const said = lastUserText(request);
    for (const [pattern, answer] of rules) if (pattern.test(said)) return textReply(answer(request));
    return textReply('Okay.');
  });
}

/** The index of the realtime worker holding a live call (for tests with one call at a time). */
export async function workerWithCall(system: TestSystem): Promise<number> {
  return eventually('a realtime worker holding the call', () => {
    const index = system.realtimes.findIndex((r) => r.activeCalls() > 0);
    return index >= 0 ? index : undefined;
  });
}
