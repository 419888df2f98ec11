import http from 'node:http';
import https from 'node:https';
import type { LiveFeedEvent } from '../realtime/live-feed';
import type { Logger } from '../observability/logger';
import { LIVE_FEED_PATH } from '../realtime/live-endpoint';

export interface FeedSubscriptionOptions {
  /** The realtime worker's internal base URL (http, or ws as configured for media streams). */
  url: URL;
  /** The internal token, read at every connection attempt (undefined: the feed is off, nothing is tried). */
  token: () => string | undefined;
  /** An event of the feed (the first after each connection is its `snapshot`). */
  event(event: LiveFeedEvent): void;
  /** The connection is gone (or never came up); reconnection is already scheduled. */
  down(reason: string): void;
  log: Logger;
  /** Reconnection backoff: doubles from `minMs` to `maxMs`, with jitter; reset by a snapshot. */
  backoff?: { minMs: number; maxMs: number };
  /** No byte for this long (the worker sends a comment every 15 s): the connection is taken for dead. */
  idleTimeoutMs?: number;
}

/**
 * One realtime worker's live feed (`GET /internal/live`, server-sent events), held open and
 * reopened with backoff when it drops or the worker restarts; each reconnection starts with a
 * fresh snapshot of the worker's live calls.
 */
export class FeedSubscription {
  private request?: http.ClientRequest;
  private retry?: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;
  private attempt = 0;
  private stopped = true;
  private isUp = false;

  constructor(private readonly options: FeedSubscriptionOptions) {}

  get key(): string {
    return this.options.url.href;
  }

  /** Connected and past the snapshot. */
  get up(): boolean {
    return this.isUp;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.idle);
    this.request?.destroy();
    this.request = undefined;
    this.isUp = false;
  }

  private connect(): void {
    if (this.stopped) return;
    const token = this.options.token();
    if (!token) return this.failed('no internal token configured');
    const base = new URL(this.options.url.href);
    if (base.protocol === 'ws:') base.protocol = 'http:';
    if (base.protocol === 'wss:') base.protocol = 'https:';
    const target = new URL(LIVE_FEED_PATH, base);
    const client = target.protocol === 'https:' ? https : http;
    const request = client.get(target, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    this.request = request;
    let gone = false;
    const lost = (reason: string) => {
      if (gone || this.request !== request) return;
      gone = true;
      request.destroy();
      this.failed(reason);
    };
    this.watchIdle(() => lost('no data from the feed within the idle timeout'));
    request.on('error', (error) => lost(error.message));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        lost(`the feed answered ${response.statusCode ?? '?'}`);
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        this.watchIdle(() => lost('no data from the feed within the idle timeout'));
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseBlock(block);
          if (!event) continue;
          if (event.type === 'snapshot') {
            this.attempt = 0;
            this.isUp = true;
          }
          this.options.event(event);
        }
      });
      response.on('end', () => lost('the feed ended'));
      response.on('close', () => lost('the feed closed'));
      response.on('error', (error) => lost(error.message));
    });
  }

  private watchIdle(onIdle: () => void): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(onIdle, this.options.idleTimeoutMs ?? 45_000);
    this.idle.unref();
  }

  private failed(reason: string): void {
    clearTimeout(this.idle);
    this.request = undefined;
    const wasUp = this.isUp;
    this.isUp = false;
    if (this.stopped) return;
    const { minMs, maxMs } = this.options.backoff ?? { minMs: 250, maxMs: 10_000 };
    const delay = Math.min(maxMs, minMs * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    if (wasUp || this.attempt === 1)
      this.options.log.warn(
        { worker: this.options.url.origin, reason },
        'live feed of a realtime worker lost; reconnecting',
      );
    this.retry = setTimeout(() => this.connect(), delay);
    this.retry.unref();
    this.options.down(reason);
  }
}

/** One server-sent event (`event:` and `data:` lines); comments and unknown blocks give undefined. */
function parseBlock(block: string): LiveFeedEvent | undefined {
  let data = '';
  for (const line of block.split('\n')) if (line.startsWith('data:')) data += line.slice(5).trimStart();
  if (!data) return undefined;
  try {
    const event = JSON.parse(data) as LiveFeedEvent;
    return typeof event === 'object' && event !== null && typeof event.type === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}
