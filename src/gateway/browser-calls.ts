import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client } from '@temporalio/client';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ConfigStore } from '../config/store';
import type { Logger } from '../observability/logger';
import { markFrame, mediaFrame, parseStreamMessage } from '../realtime/protocol';
import type { BrowserCallGrant, BrowserCallTickets } from '../voice/browser-call-tickets';
import { signalCallWorkflow } from '../voice/call-signals';
import { silentFrame, speakingTimeMs, voicedFrames } from '../voice/simulated-speech';
import { streamToken } from '../voice/stream-token';
import { callStatusSignal } from '../../workflows/call/contract';
import { BROWSER_CALL_DIRECTION } from './call-views';
import { RealtimeWorkers } from './realtime-workers';
import { releaseCallerScript, scriptCallerLine } from './sandbox-script';

/** The console page's WebSocket (`?ticket=`), served beside the Twilio media-stream pass-through. */
export const BROWSER_CALL_SOCKET_PATH = '/console/call-stream';
/** As `/incoming` mints it: long enough for the worker to read `start`. */
const STREAM_TOKEN_TTL_SECONDS = 300;
/** A worker that does not open the stream within this long is skipped. */
const WORKER_CONNECT_TIMEOUT_MS = 3_000;
/** A media frame from the page: 20 ms of mu-law is 160 bytes; a page batching up to 1 s is allowed. */
const MAX_MEDIA_BYTES = 8_000;
/** After a scripted line, silence long enough for any end-of-turn detector to close the caller's turn. */
const TRAILING_SILENCE_FRAMES = 50;
const FRAME_MS = 20;

export interface BrowserCallsDeps {
  config: ConfigStore;
  temporal: Client;
  tickets: BrowserCallTickets;
  log: Logger;
}

/**
 * The console's browser calls: the page speaks Twilio's Media Streams JSON to the gateway, which opens
 * the SAME media stream a Twilio call opens on a realtime worker (the `connected` and `start` messages
 * sent here, with a stream token minted as `/incoming` mints it) and relays media, marks, clears and
 * stop both ways. When the page hangs up, the call's workflow gets the final status Twilio's status
 * callback would give, so the call is recorded `completed` with its duration.
 */
export class BrowserCalls {
  private readonly live = new Map<string, BrowserCallBridge>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly workers: RealtimeWorkers;

  constructor(private readonly deps: BrowserCallsDeps) {
    this.workers = new RealtimeWorkers(() => deps.config.get());
  }

  get tickets(): BrowserCallTickets {
    return this.deps.tickets;
  }

  /** The live browser call held by this gateway. */
  bridge(callSid: string): BrowserCallBridge | undefined {
    return this.live.get(callSid);
  }

  /** The upgrade of `BROWSER_CALL_SOCKET_PATH`: a valid one-time ticket opens the call; anything else gets 403. */
  readonly upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const ticket = new URL(req.url ?? '/', 'http://localhost').searchParams.get('ticket') ?? '';
    socket.pause();
    this.deps.tickets.redeem(ticket).then(
      (grant) => {
        if (socket.destroyed) return;
        if (!grant) {
          this.deps.log.warn('refused a browser call socket: unknown, used or expired ticket');
          socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (page) => {
          // Paused while the ticket was checked: the page's frames flow from now on.
          socket.resume();
          this.accept(page, grant);
        });
      },
      (error: unknown) => {
        this.deps.log.error({ err: error }, 'browser call ticket could not be read');
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
    );
  };

  /** Shutdown: every browser call ends (as a hang-up). */
  closeAll(): void {
    for (const bridge of this.live.values()) bridge.hangUp();
  }

  private accept(page: WebSocket, grant: BrowserCallGrant): void {
    const bridge = new BrowserCallBridge(this.deps, grant, page);
    this.live.set(grant.callSid, bridge);
    void bridge.closed.then(() => this.live.delete(grant.callSid));
    void bridge.open(this.workers.order());
  }
}

export class BrowserCallBridge {
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private worker: WebSocket | undefined;
  private readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  private startedAt: number | undefined;
  private ended = false;
  /** A scripted line is being spoken: the page's own audio waits (one caller, one voice). */
  private injecting = false;
  private speaking: Promise<void> = Promise.resolve();
  private scripted = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: Logger;

  constructor(
    private readonly deps: BrowserCallsDeps,
    private readonly grant: BrowserCallGrant,
    private readonly page: WebSocket,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.log = deps.log.child({ callSid: grant.callSid, operatorId: grant.operatorId });
    page.on('message', (data, isBinary) => {
      if (!isBinary) this.fromPage(text(data));
    });
    page.on('close', () => this.hangUp());
    page.on('error', (error) => this.log.debug({ err: error }, 'browser call: page socket error'));
  }

  get accountSid(): string {
    return this.grant.accountSid;
  }

  /** Connects to the first realtime worker that takes the stream and starts it as Twilio would. */
  async open(targets: URL[]): Promise<void> {
    for (const target of targets) {
      const worker = await connectWorker(target);
      if (!worker) continue;
      if (this.ended) {
        worker.close(1000);
        return;
      }
      this.worker = worker;
      worker.on('message', (data, isBinary) => {
        // Media, marks and clears go to the page as the worker wrote them (Twilio's messages).
        if (!isBinary && this.page.readyState === WebSocket.OPEN) this.page.send(text(data));
      });
      worker.on('close', () => this.hangUp());
      worker.on('error', (error) => this.log.debug({ err: error }, 'browser call: worker socket error'));
      this.startStream(worker);
      return;
    }
    this.log.warn('browser call: no realtime worker took the stream');
    this.page.close(1013, 'no realtime worker takes calls now');
  }

  /** Queues a scripted line (sandbox): resolves once the emulated recognition has it; the audio follows. */
  say(line: string): Promise<void> {
    const scripted = this.speaking.then(async () => {
      if (this.ended) throw new Error('the call has ended');
      await scriptCallerLine(this.deps.config.get(), this.scriptOwner, line);
      this.scripted = true;
    });
    this.speaking = scripted.then(
      () => this.speak(speakingTimeMs(line)),
      () => undefined,
    );
    return scripted;
  }

  /** The page hung up (or the worker ended the stream): stop the stream, then the final status. */
  hangUp(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearInterval(timer);
    const worker = this.worker;
    if (worker?.readyState === WebSocket.OPEN) {
      worker.send(
        JSON.stringify({
          event: 'stop',
          streamSid: this.streamSid,
          stop: { accountSid: this.grant.accountSid, callSid: this.grant.callSid },
        }),
      );
      worker.close(1000, 'hung up');
    }
    if (this.page.readyState === WebSocket.OPEN || this.page.readyState === WebSocket.CONNECTING)
      this.page.close(1000, 'call ended');
    void this.finish().finally(() => this.markClosed());
  }

  private get scriptOwner(): string {
    return `browser-call:${this.grant.callSid}`;
  }

  private startStream(worker: WebSocket): void {
    const config = this.deps.config.get();
    const account = config.twilio.accounts.find((a) => a.accountSid === this.grant.accountSid);
    if (!account) {
      this.hangUp();
      return;
    }
    const { callSid, accountSid, customerId, remote, local, agentId, agentVersion } = this.grant;
    const direction = BROWSER_CALL_DIRECTION;
    // Minted as /incoming mints it; the operator signed in, so the browser identity is theirs: verified.
    const token = streamToken(account.authToken, {
      callSid,
      accountSid,
      customerId,
      from: remote,
      to: local,
      direction,
      trust: 'verified',
      recorded: false,
      agentId,
      agentVersion,
      expiresAt: Math.floor(Date.now() / 1000) + STREAM_TOKEN_TTL_SECONDS,
    });
    worker.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    worker.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: this.streamSid,
        start: {
          accountSid,
          callSid,
          streamSid: this.streamSid,
          tracks: ['inbound'],
          customParameters: { customerId, from: remote, to: local, direction, token },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    this.startedAt = Date.now();
    this.log.info({ agentId, agentVersion }, 'browser call started');
  }

  private fromPage(raw: string): void {
    const message = parseStreamMessage(raw);
    if ('invalid' in message) return;
    switch (message.event) {
      case 'media': {
        if (this.injecting) return;
        const audio = Buffer.from(message.media.payload, 'base64');
        if (audio.length > 0 && audio.length <= MAX_MEDIA_BYTES) this.toWorker(mediaFrame(this.streamSid, audio));
        return;
      }
      case 'mark':
        this.toWorker(markFrame(this.streamSid, message.mark.name));
        return;
      case 'dtmf':
        this.toWorker(
          JSON.stringify({ event: 'dtmf', streamSid: this.streamSid, dtmf: { digit: message.dtmf.digit } }),
        );
        return;
      case 'stop':
        this.hangUp();
        return;
      default:
        return;
    }
  }

  private toWorker(frame: string): void {
    if (this.startedAt !== undefined && this.worker?.readyState === WebSocket.OPEN) this.worker.send(frame);
  }

  /** The scripted line's voiced audio in real time, then silence to end the turn; the page's audio waits meanwhile. */
  private speak(durationMs: number): Promise<void> {
    const frames = [...voicedFrames(durationMs), ...Array.from({ length: TRAILING_SILENCE_FRAMES }, silentFrame)];
    this.injecting = true;
    return new Promise((resolve) => {
      const started = Date.now();
      let sent = 0;
      const timer = setInterval(() => {
        // Frames due by now (timers drift on a loaded machine; the audio's clock must not).
        const due = Math.min(frames.length, Math.floor((Date.now() - started) / FRAME_MS) + 1);
        while (sent < due) this.toWorker(mediaFrame(this.streamSid, frames[sent++]!));
        if (sent >= frames.length || this.ended) {
          clearInterval(timer);
          this.timers.delete(timer);
          this.injecting = false;
          resolve();
        }
      }, FRAME_MS);
      this.timers.add(timer);
    });
  }

  /** The final status Twilio's callback would bring (a stream that never started leaves no call). */
  private async finish(): Promise<void> {
    const config = this.deps.config.get();
    if (this.scripted)
      await releaseCallerScript(config, this.scriptOwner).catch((error: unknown) =>
        this.log.warn({ err: error }, 'browser call: sandbox script not released'),
      );
    if (this.startedAt === undefined) return;
    const durationSeconds = Math.round((Date.now() - this.startedAt) / 1000);
    try {
      await signalCallWorkflow(
        this.deps.temporal,
        config.temporal.taskQueue,
        { callSid: this.grant.callSid, accountSid: this.grant.accountSid },
        callStatusSignal,
        [
          {
            status: 'completed',
            at: new Date().toISOString(),
            durationSeconds,
            from: this.grant.remote,
            to: this.grant.local,
            direction: BROWSER_CALL_DIRECTION,
          },
        ],
      );
      this.log.info({ durationSeconds }, 'browser call ended');
    } catch (error) {
      // The workflow still closes the call 30 s after its stream ended, without a duration.
      this.log.error({ err: error }, 'browser call: final status not delivered');
    }
  }
}

function text(data: RawData): string {
  return Buffer.isBuffer(data)
    ? data.toString('utf8')
    : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
}

/** A media-stream socket on this worker, or undefined when it is down, full or draining. */
function connectWorker(target: URL): Promise<WebSocket | undefined> {
  const url = new URL('/twilio/media-stream', target);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: WORKER_CONNECT_TIMEOUT_MS, perMessageDeflate: false });
    const fail = () => {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(undefined);
    };
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.removeAllListeners('unexpected-response');
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      fail();
    });
    ws.once('error', fail);
  });
}
