import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import { TwilioApiError, twilioErrorBody } from './errors';
import { FaultInjector, type FaultKind } from './faults';
import { FormParams } from './form-params';
import { BodyTooLargeError, basicCredentials, readBody, sendBytes, sendJson } from './http-io';
import { Router, type EmulatorEvent, type RouteContext } from './router';
import { accountRoutes } from './resources/accounts';
import { callRoutes } from './resources/calls';
import { conversationMessageRoutes } from './resources/conversation-messages';
import { conversationWebhookRoutes } from './resources/conversation-webhooks';
import { conversationRoutes } from './resources/conversations';
import { messageRoutes } from './resources/messages';
import { participantRoutes } from './resources/participants';
import { mediaRoutes } from './resources/media';
import { recordingRoutes } from './resources/recordings';
import { closeNow } from '../shared/listen';
import { newSid } from './sids';
import {
  EmulatorStore,
  TERMINAL_CALL_STATUSES,
  type CallModification,
  type CallStatus,
  type EmulatedCall,
  type EmulatedConversation,
  type EmulatedConversationMessage,
  type EmulatedConversationWebhook,
  type EmulatedMessage,
  type EmulatedParticipant,
  type EmulatedRecording,
  type MessageStatus,
} from './store';

type Hook<Args extends unknown[]> = (...args: [...Args, TwilioEmulator]) => void | Promise<void>;

/** Called after the HTTP response is written, so a hook can emit status callbacks like Twilio would. */
export interface TwilioEmulatorHooks {
  onMessageCreated?: Hook<[EmulatedMessage]>;
  onCallCreated?: Hook<[EmulatedCall]>;
  onCallUpdated?: Hook<[EmulatedCall, CallModification]>;
  onRecordingCreated?: Hook<[EmulatedRecording]>;
}

export interface TwilioEmulatorOptions {
  /** accountSid -> authToken; requests must authenticate with one of these (HTTP Basic). */
  accounts: Record<string, string>;
  host?: string;
  port?: number;
  /** Seed for probabilistic faults. */
  seed?: number;
  /** Clock for resource dates. */
  now?: () => Date;
  hooks?: TwilioEmulatorHooks;
}

export interface RecordedRequest {
  method: string;
  /** As received, with the subdomain segment: `/api/2010-04-01/...`. */
  path: string;
  /** First path segment, i.e. the Twilio host it stands for: `api`, `conversations`, ... */
  subdomain: string;
  query: Record<string, string | string[]>;
  /** Parsed form body; repeated keys become arrays. */
  params: Record<string, string | string[]>;
  rawBody: string;
  /** Lower-cased; Authorization is redacted (see `accountSid`). */
  headers: IncomingHttpHeaders;
  /** The account that authenticated, if any. */
  accountSid: string | undefined;
  at: Date;
  /** Undefined while in flight, and for dropped connections. */
  status: number | undefined;
  errorCode: number | undefined;
  fault: FaultKind | undefined;
}

export interface EmulatorStateView {
  messages: EmulatedMessage[];
  calls: EmulatedCall[];
  recordings: EmulatedRecording[];
  conversations: EmulatedConversation[];
  participants: EmulatedParticipant[];
  conversationMessages: EmulatedConversationMessage[];
  conversationWebhooks: EmulatedConversationWebhook[];
}

const FAULT_RESPONSES: Record<Exclude<FaultKind, 'drop-connection' | 'lose-response'>, [number, number, string]> = {
  'rate-limit': [429, 20429, 'Too Many Requests'],
  'server-error': [500, 20500, 'Internal Server Error'],
  'service-unavailable': [503, 20503, 'Service Unavailable'],
};

export class TwilioEmulator {
  readonly faults: FaultInjector;
  readonly requests: RecordedRequest[] = [];
  /** Errors thrown by hooks; a test can assert this stays empty. */
  readonly hookErrors: unknown[] = [];
  hooks: TwilioEmulatorHooks;

  private readonly store = new EmulatorStore();
  private readonly router = new Router([
    ...accountRoutes,
    ...messageRoutes,
    ...callRoutes,
    ...recordingRoutes,
    ...conversationRoutes,
    ...participantRoutes,
    ...conversationMessageRoutes,
    ...conversationWebhookRoutes,
    ...mediaRoutes,
  ]);
  private readonly accounts: Map<string, string>;
  private readonly now: () => Date;
  private readonly pendingHooks = new Set<Promise<void>>();
  private server: Server | undefined;
  private stopping = new AbortController();

  constructor(private readonly options: TwilioEmulatorOptions) {
    this.accounts = new Map(Object.entries(options.accounts));
    this.faults = new FaultInjector(options.seed ?? 1);
    this.now = options.now ?? (() => new Date());
    this.hooks = { ...options.hooks };
  }

  async start(): Promise<string> {
    if (this.server) throw new Error('TwilioEmulator already started');
    this.stopping = new AbortController();
    const server = createServer((req, res) => {
      // Anything unexpected outside the handler's own error mapping: fail the connection, loudly.
      this.handle(req, res).catch(() => req.socket.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return this.baseUrl;
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('TwilioEmulator not started');
    return `http://${address.address}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stopping.abort();
    await closeNow(server);
    await this.hooksSettled();
  }

  /** Clears recorded requests, state, faults and hook errors (accounts and hooks stay). */
  reset(): void {
    this.requests.length = 0;
    this.hookErrors.length = 0;
    this.store.reset();
    this.faults.clear();
  }

  /** The recipient opted out at Twilio: messages to it fail with 21610 (until reset). */
  unsubscribe(number: string): void {
    this.store.unsubscribed.add(number);
  }

  /**
   * An inbound message's MediaUrl on this emulator, as Twilio gives it in the webhook: fetching it
   * takes the account's credentials and redirects to `location` (the bytes, without credentials).
   */
  inboundMediaUrl(accountSid: string, messageSid: string, location: string): string {
    const sid = newSid('ME');
    this.store.media.set(sid, { accountSid, messageSid, location });
    return `${this.baseUrl}/api/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${sid}`;
  }

  addAccount(accountSid: string, authToken: string): void {
    this.accounts.set(accountSid, authToken);
  }

  async hooksSettled(): Promise<void> {
    while (this.pendingHooks.size > 0) await Promise.allSettled([...this.pendingHooks]);
  }

  // ---- views -------------------------------------------------------------------------------

  get state(): EmulatorStateView {
    return {
      messages: [...this.store.messages.values()],
      calls: [...this.store.calls.values()],
      recordings: [...this.store.recordings.values()],
      conversations: [...this.store.conversations.values()],
      participants: [...this.store.participants.values()],
      conversationMessages: [...this.store.conversationMessages.values()],
      conversationWebhooks: [...this.store.conversationWebhooks.values()],
    };
  }

  /** Messages actually created (failed/faulted requests created none), oldest first. */
  sentMessages(filter: { to?: string; from?: string } = {}): EmulatedMessage[] {
    return this.state.messages.filter(
      (m) => (!filter.to || m.to === filter.to) && (!filter.from || m.from === filter.from),
    );
  }

  /** Calls created through the API (not the legs a `<Dial>` started: `dialledLegs`), oldest first. */
  createdCalls(filter: { to?: string } = {}): EmulatedCall[] {
    return this.state.calls.filter((c) => c.parentCallSid === null && (!filter.to || c.to === filter.to));
  }

  /** The legs `<Dial>`s in a call's TwiML started, oldest first. */
  dialledLegs(parentCallSid: string): EmulatedCall[] {
    return this.state.calls.filter((c) => c.parentCallSid === parentCallSid);
  }

  callModifications(callSid: string): CallModification[] {
    return this.store.calls.get(callSid)?.modifications ?? [];
  }

  /** Recordings started through the Recordings API (failed requests started none), oldest first. */
  recordings(filter: { callSid?: string } = {}): EmulatedRecording[] {
    return this.state.recordings.filter((r) => !filter.callSid || r.callSid === filter.callSid);
  }

  /** Recorded requests by method and/or path (RegExp, or substring of the path). */
  requestsMatching(match: { method?: string; path?: string | RegExp }): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (!match.method || r.method === match.method.toUpperCase()) &&
        (!match.path || (typeof match.path === 'string' ? r.path.includes(match.path) : match.path.test(r.path))),
    );
  }

  // ---- test-side state changes (what the carrier network would do) ---------------------------

  setMessageStatus(sid: string, status: MessageStatus, error?: { code: number; message?: string }): EmulatedMessage {
    const message = this.store.messages.get(sid);
    if (!message) throw new Error(`unknown message ${sid}`);
    const now = this.now();
    message.status = status;
    message.dateUpdated = now;
    if (status === 'sent' || status === 'delivered') message.dateSent ??= now;
    if (error) {
      message.errorCode = error.code;
      message.errorMessage = error.message ?? null;
    }
    return message;
  }

  setCallStatus(sid: string, status: CallStatus, extra: { answeredBy?: string } = {}): EmulatedCall {
    const call = this.store.calls.get(sid);
    if (!call) throw new Error(`unknown call ${sid}`);
    const now = this.now();
    call.status = status;
    call.dateUpdated = now;
    if (status === 'in-progress') call.startTime ??= now;
    if (TERMINAL_CALL_STATUSES.includes(status)) call.endTime ??= now;
    if (extra.answeredBy !== undefined) call.answeredBy = extra.answeredBy;
    return call;
  }

  /** What Twilio does once the call ends and the file is processed (the test sends the callback). */
  completeRecording(sid: string, durationSeconds: number): EmulatedRecording {
    const recording = this.store.recordings.get(sid);
    if (!recording) throw new Error(`unknown recording ${sid}`);
    recording.status = 'completed';
    recording.durationSeconds = durationSeconds;
    recording.dateUpdated = this.now();
    return recording;
  }

  // ---- request pipeline ----------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      subdomain: url.pathname.split('/')[1] ?? '',
      query: new FormParams(url.search.slice(1)).toRecord(),
      params: {},
      rawBody: '',
      headers: { ...req.headers, ...(req.headers.authorization ? { authorization: '[redacted]' } : {}) },
      accountSid: undefined,
      at: this.now(),
      status: undefined,
      errorCode: undefined,
      fault: undefined,
    };
    this.requests.push(record);
    /** `lose-response`: the request takes effect, but its answer never reaches the client. */
    let loseResponse = false;
    const respond = (status: number, body?: object, headers?: Record<string, string>) => {
      if (loseResponse) {
        req.socket.destroy();
        return;
      }
      record.status = status;
      record.errorCode = body && 'code' in body && typeof body.code === 'number' ? body.code : undefined;
      sendJson(res, status, body, headers);
    };

    try {
      record.rawBody = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return respond(413, twilioErrorBody(413, 20413, 'Request entity too large'));
      req.socket.destroy();
      return;
    }
    const form = new FormParams(method === 'GET' || method === 'DELETE' ? '' : record.rawBody);
    record.params = form.toRecord();

    const decision = this.faults.decide(method, record.path);
    if (decision.latencyMs > 0) {
      try {
        await delay(decision.latencyMs, undefined, { signal: this.stopping.signal });
      } catch {
        return; // emulator stopping
      }
    }
    if (decision.failure === 'lose-response') {
      record.fault = decision.failure;
      loseResponse = true;
    } else if (decision.failure) {
      record.fault = decision.failure;
      if (decision.failure === 'drop-connection') {
        req.socket.destroy();
        return;
      }
      const [status, code, message] = FAULT_RESPONSES[decision.failure];
      return respond(status, twilioErrorBody(status, code, message));
    }

    const accountSid = this.authenticate(req.headers.authorization);
    if (!accountSid) {
      return respond(401, twilioErrorBody(401, 20003, 'Authenticate', 'Your AccountSid or AuthToken was incorrect.'), {
        'WWW-Authenticate': 'Basic realm="Twilio API"',
      });
    }
    record.accountSid = accountSid;

    const twilioPath = record.path.slice(record.subdomain.length + 1) || '/';
    const match = this.router.match(method, record.path);
    if (match.kind === 'not-found') {
      return respond(404, twilioErrorBody(404, 20404, `The requested resource ${twilioPath} was not found`));
    }
    if (match.kind === 'method-not-allowed') {
      return respond(405, twilioErrorBody(405, 20004, 'Method not allowed'));
    }

    const events: EmulatorEvent[] = [];
    const ctx: RouteContext = {
      path: record.path,
      twilioPath,
      pathParams: match.pathParams,
      form,
      query: new FormParams(url.search.slice(1)),
      headers: req.headers,
      accountSid,
      store: this.store,
      now: this.now,
      emit: (event) => events.push(event),
    };
    try {
      const result = match.route.handler(ctx);
      if (result.raw) {
        record.status = result.status;
        sendBytes(res, result.status, result.raw, ctx.headers.range);
      } else respond(result.status, result.body, result.headers);
    } catch (error) {
      if (error instanceof TwilioApiError) return respond(error.status, error.toBody());
      return respond(500, twilioErrorBody(500, 20500, `Emulator error: ${String(error)}`));
    }
    for (const event of events) this.dispatch(event);
  }

  private authenticate(header: string | undefined): string | undefined {
    const credentials = basicCredentials(header);
    if (!credentials) return undefined;
    const expected = this.accounts.get(credentials.username);
    if (expected === undefined) return undefined;
    const a = Buffer.from(expected);
    const b = Buffer.from(credentials.password);
    return a.length === b.length && timingSafeEqual(a, b) ? credentials.username : undefined;
  }

  private dispatch(event: EmulatorEvent): void {
    const run = async () => {
      switch (event.type) {
        case 'message-created':
          return this.hooks.onMessageCreated?.(event.message, this);
        case 'call-created':
          return this.hooks.onCallCreated?.(event.call, this);
        case 'call-updated':
          return this.hooks.onCallUpdated?.(event.call, event.modification, this);
        case 'recording-created':
          return this.hooks.onRecordingCreated?.(event.recording, this);
      }
    };
    const pending: Promise<void> = run()
      .catch((error: unknown) => {
        this.hookErrors.push(error);
      })
      .finally(() => this.pendingHooks.delete(pending));
    this.pendingHooks.add(pending);
  }
}
