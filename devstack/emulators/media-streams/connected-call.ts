/**
 * Twilio's side of a whole call answered with `<Connect action="…"><Stream>`: the media stream,
 * and what Twilio does when it ends. When the app's side closes the stream (a close frame, a broken
 * connection) or refuses to open it, the `<Connect>` verb ends and Twilio requests its `action`
 * URL (POST, signed, the standard call parameters) and executes the TwiML it gets back: another
 * `<Connect><Stream>` opens a new stream on the same call; `<Say>` is spoken and `<Hangup/>` (or
 * the end of the document) ends the call. Without an action URL the call ends with the stream.
 * The caller hanging up ends the stream with a `stop` and no action request.
 */
import { MediaStreamsCaller, MediaStreamsConnectError } from './caller';
import type { CloseInfo, MediaStreamsConnectOptions } from './types';

export interface ConnectedCallOptions {
  accountSid: string;
  callSid: string;
  from: string;
  to: string;
  direction: string;
  /** Where the streams connect (the TwiML names a public URL; tests reach the gateway directly, maybe restarted elsewhere). */
  mediaStreamUrl: string | (() => string);
  /** Posts a signed Twilio webhook to the app: `path` is the action URL's path and query under the public URL. */
  webhook(path: string, params: Record<string, string>): Promise<{ status: number; body: string }>;
  /** The public URL the action URLs start with (stripped to get the path); default: the action URL's origin. */
  publicUrl?: string;
  /** Options for each stream (headers, ticker…). */
  stream?: Partial<MediaStreamsConnectOptions>;
  /**
   * Action requests that fail to connect are retried this often, 500 ms apart, as Twilio does with
   * the connection overrides (`#rc=…&rp=ct,rt`) on the URL (default 3).
   */
  actionRetries?: number;
}

/** One stream of the call, with how it ended and when the next one (if any) opened. */
export interface StreamLeg {
  caller: MediaStreamsCaller;
  parameters: Record<string, string>;
  /** The close as Twilio saw it (set once the stream is over). */
  close?: CloseInfo;
}

/** What the TwiML after a stream said. */
export interface CallEnd {
  /** `hangup`: the caller hung up; `twiml`: the TwiML ended the call (a Hangup or nothing left); `failed`: the action failed. */
  how: 'hangup' | 'twiml' | 'failed';
  /** `<Say>` texts spoken before the end. */
  said: string[];
  at: number;
}

/** A `<Connect><Stream>` document's stream parameters, action URL and the verbs around it. */
export interface ParsedTwiml {
  stream?: { url: string; parameters: Record<string, string>; action?: string };
  said: string[];
  hangup: boolean;
}

export function parseVoiceTwiml(twiml: string): ParsedTwiml {
  const unescape = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const said = [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => unescape(m[1]!));
  const hangup = /<Hangup\s*\/>/.test(twiml);
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url || !twiml.includes('<Connect')) return { said, hangup };
  const action = /<Connect[^>]*\saction="([^"]+)"/.exec(twiml)?.[1];
  const parameters: Record<string, string> = {};
  for (const match of twiml.matchAll(/<Parameter name="([^"]*)" value="([^"]*)"\/>/g))
    parameters[unescape(match[1]!)] = unescape(match[2]!);
  return { stream: { url: unescape(url), parameters, ...(action ? { action: unescape(action) } : {}) }, said, hangup };
}

export class ConnectedCall {
  /** Every stream the call had, in order. */
  readonly legs: StreamLeg[] = [];
  /** Resolves when the call is over (never rejects). */
  readonly ended: Promise<CallEnd>;
  /** Action requests made (their paths), in order. */
  readonly actions: string[] = [];
  private finish!: (end: CallEnd) => void;
  private over = false;
  private legWaiters: Array<() => void> = [];

  private constructor(private readonly options: ConnectedCallOptions) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  /** Starts the call from the app's answer to the voice webhook. */
  static async start(options: ConnectedCallOptions, answer: string): Promise<ConnectedCall> {
    const call = new ConnectedCall(options);
    await call.execute(parseVoiceTwiml(answer));
    return call;
  }

  /** The stream open now (or the last one). */
  get current(): MediaStreamsCaller {
    const leg = this.legs.at(-1);
    if (!leg) throw new Error('the call has no stream');
    return leg.caller;
  }

  get isOver(): boolean {
    return this.over;
  }

  /** Resolves once the call has had `count` streams. */
  async waitForLeg(count: number, timeoutMs = 20_000): Promise<StreamLeg> {
    const deadline = Date.now() + timeoutMs;
    while (this.legs.length < count) {
      if (this.over || Date.now() > deadline)
        throw new Error(`the call had ${this.legs.length} of ${count} streams${this.over ? ' and ended' : ''}`);
      await new Promise<void>((resolve) => {
        this.legWaiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return this.legs[count - 1]!;
  }

  /** The caller hangs up (on the current stream). */
  async hangup(): Promise<CallEnd> {
    if (!this.over) await this.legs.at(-1)?.caller.hangup();
    return this.ended;
  }

  private end(how: CallEnd['how'], said: string[]): void {
    if (this.over) return;
    this.over = true;
    this.finish({ how, said, at: performance.now() });
    for (const wake of this.legWaiters.splice(0)) wake();
  }

  private async execute(twiml: ParsedTwiml): Promise<void> {
    if (!twiml.stream) {
      this.end('twiml', twiml.said);
      return;
    }
    const { parameters, action } = twiml.stream;
    const { accountSid, callSid, from, to } = this.options;
    let caller: MediaStreamsCaller;
    try {
      const { mediaStreamUrl } = this.options;
      const url = typeof mediaStreamUrl === 'function' ? mediaStreamUrl() : mediaStreamUrl;
      caller = await MediaStreamsCaller.connect(url, {
        ...this.options.stream,
        accountSid,
        callSid,
        customParameters: parameters,
        from,
        to,
      });
    } catch (error) {
      // The stream never opened (refused upgrade, nobody listening): the <Connect> ends at once.
      if (!(error instanceof MediaStreamsConnectError)) throw error;
      await this.afterStream(action);
      return;
    }
    const leg: StreamLeg = { caller, parameters };
    this.legs.push(leg);
    for (const wake of this.legWaiters.splice(0)) wake();
    void caller.closed.then(async (close) => {
      leg.close = close;
      if (close.by === 'hangup' || close.by === 'drop') this.end('hangup', []);
      else await this.afterStream(action);
    });
  }

  /** The stream ended from the app's side: the action URL says what next, or the call ends. */
  private async afterStream(action: string | undefined): Promise<void> {
    if (!action) {
      this.end('twiml', []);
      return;
    }
    const { accountSid, callSid, from, to, direction, publicUrl } = this.options;
    const path =
      publicUrl && action.startsWith(publicUrl)
        ? action.slice(publicUrl.length)
        : URL.canParse(action)
          ? `${new URL(action).pathname}${new URL(action).search}`
          : action;
    this.actions.push(path);
    const params = {
      AccountSid: accountSid,
      CallSid: callSid,
      From: from,
      To: to,
      Direction: direction,
      CallStatus: 'in-progress',
      ApiVersion: '2010-04-01',
    };
    try {
      let response: { status: number; body: string } | undefined;
      for (let attempt = 0; !response; attempt++) {
        response = await this.options.webhook(path, params).catch(async (error: unknown) => {
          if (attempt >= (this.options.actionRetries ?? 3)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
          return undefined;
        });
      }
      if (response.status !== 200) throw new Error(`action URL answered ${response.status}`);
      await this.execute(parseVoiceTwiml(response.body));
    } catch {
      this.end('failed', []);
    }
  }
}
