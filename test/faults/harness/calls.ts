import { MediaStreamsCaller } from '../../../devstack/emulators/media-streams';
import type { CloseInfo } from '../../../devstack/emulators/media-streams';
import { createTwilioClient } from '../../../src/telephony/twilio/client';
import { streamParameters } from '../../harness/voice';
import { FAULT_ACCOUNT_SID, FAULT_AUTH_TOKEN } from './emulators';
import { FAULT_AGENT_NUMBER, FAULT_PUBLIC_URL, type FaultStack } from './fault-stack';
import type { ServiceProcess } from './service-process';

/** One media stream of a call: Twilio connects a new one each time the TwiML says `<Connect><Stream>`. */
export interface StreamLeg {
  caller: MediaStreamsCaller;
  /** performance.now() when the stream opened. */
  openedAt: number;
  /** How it ended, once it has. */
  closed?: CloseInfo;
}

/** `action` of the TwiML's `<Connect>`, if any: where Twilio goes when the stream ends other than by a hang-up. */
function connectAction(twiml: string): string | undefined {
  const action = /<Connect\b[^>]*\baction="([^"]+)"/.exec(twiml)?.[1];
  return action?.replace(/&amp;/g, '&');
}

/**
 * A phone call as Twilio runs it against the gateway: the voice webhook, the `in-progress` status callback, the
 * media stream through the gateway, and — when the stream ends without the caller hanging up — the `<Connect>`'s
 * `action` URL, whose TwiML may connect a new stream (a takeover) or end the call (`completed` status callback).
 */
export class SimulatedCall {
  readonly legs: StreamLeg[] = [];
  /** Resolves once the call is over: hung up by the caller, or no stream followed a lost one. */
  readonly ended: Promise<'hangup' | 'dropped'>;
  private finish: (how: 'hangup' | 'dropped') => void = () => undefined;
  private hungUp = false;

  private constructor(
    private readonly stack: FaultStack,
    readonly callSid: string,
    readonly from: string,
    readonly to: string,
  ) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  /** Places an inbound call from `remote` to the agent's number and connects its first stream. */
  static async place(stack: FaultStack, remote: string): Promise<SimulatedCall> {
    const rest = createTwilioClient({
      accountSid: FAULT_ACCOUNT_SID,
      authToken: FAULT_AUTH_TOKEN,
      apiBaseUrl: stack.twilio.baseUrl,
      timeoutMs: 5000,
    });
    const created = await rest.calls.create({
      to: FAULT_AGENT_NUMBER,
      from: remote,
      twiml: '<Response><Pause length="600"/></Response>',
    });
    const call = new SimulatedCall(stack, created.sid, remote, FAULT_AGENT_NUMBER);
    const answer = await call.post('/twilio/voice/incoming', { CallStatus: 'ringing' });
    await call.post('/twilio/voice/status', {
      CallStatus: 'in-progress',
      CallbackSource: 'call-progress-events',
      SequenceNumber: '2',
    });
    await call.connect(answer);
    return call;
  }

  /** The stream the caller is on now (the latest). */
  get caller(): MediaStreamsCaller {
    return this.legs[this.legs.length - 1]!.caller;
  }

  /** The caller hangs up: the stream stops and Twilio sends the `completed` status callback. */
  async hangup(): Promise<void> {
    this.hungUp = true;
    await this.caller.hangup();
    await this.post('/twilio/voice/status', { CallStatus: 'completed', CallbackSource: 'call-progress-events' });
    this.finish('hangup');
  }

  private async post(path: string, extra: Record<string, string>): Promise<string> {
    const response = await this.stack.webhook(path, {
      CallSid: this.callSid,
      AccountSid: FAULT_ACCOUNT_SID,
      From: this.from,
      To: this.to,
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      ...extra,
    });
    if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${response.body}`);
    return response.body;
  }

  private async connect(twiml: string): Promise<void> {
    const { parameters } = streamParameters(twiml);
    const caller = await MediaStreamsCaller.connect(this.stack.mediaStreamUrl, {
      accountSid: FAULT_ACCOUNT_SID,
      callSid: this.callSid,
      customParameters: parameters,
      from: this.from,
      to: this.to,
    });
    const leg: StreamLeg = { caller, openedAt: performance.now() };
    this.legs.push(leg);
    void caller.closed.then(async (info) => {
      leg.closed = info;
      if (this.hungUp || info.by === 'hangup') return;
      await this.followAction(twiml).catch(() => this.finish('dropped'));
    });
  }

  /** What Twilio does when a stream ends under the caller: the `<Connect action>`, else the call ends. */
  private async followAction(twiml: string): Promise<void> {
    const action = connectAction(twiml);
    const next = action
      ? await this.post(action.startsWith(FAULT_PUBLIC_URL) ? action.slice(FAULT_PUBLIC_URL.length) : action, {
          CallStatus: 'in-progress',
        })
      : undefined;
    if (next?.includes('<Connect>') || next?.includes('<Connect ')) return this.connect(next);
    await this.post('/twilio/voice/status', { CallStatus: 'completed', CallbackSource: 'call-progress-events' });
    this.finish('dropped');
  }
}

/** The realtime worker the call's stream runs on now (the one whose current run logged its stream starting). */
export function workerServing(stack: FaultStack, callSid: string): ServiceProcess | undefined {
  return stack.realtime.find((worker) =>
    worker.logsSinceStart().some((line) => line.includes(callSid) && line.includes('media stream started')),
  );
}
