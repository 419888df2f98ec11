import type { ServerResponse } from 'node:http';
import type { ConfigStore } from '../config/store';
import { internalToken } from '../config/internal-token';
import type { Logger } from '../observability/logger';
import type { LiveFeedEvent } from '../realtime/live-feed';
import { EventStream, StreamEvent } from '../runtime/event-stream';
import type { LiveCall, LiveEvent, TakeoverView } from './api-types';
import { FeedSubscription } from './live-feed-subscription';
import { seesAccount, type Principal } from './principal';
import { realtimeWorkerUrls } from './realtime-workers';

/** The conversations waiting for a person, of these accounts (`all`: every account). */
export type WaitingSource = (accounts: 'all' | string[]) => Promise<TakeoverView[]>;

export interface LiveHubOptions {
  config: ConfigStore;
  log: Logger;
  /** The waiting queue (the takeover store); default: none. */
  waiting?: WaitingSource;
  /** How often the waiting queue is read again while someone watches. */
  waitingEveryMs?: number;
  /** A comment to every viewer this often (proxies close idle streams). */
  heartbeatMs?: number;
  /** Events a viewer may lag behind before it is disconnected (it reconnects and gets a fresh snapshot). */
  maxViewerQueue?: number;
  /** The workers' feeds stay open this long after the last viewer left (a page reload does not resubscribe). */
  lingerMs?: number;
  /** How long a new viewer's snapshot waits for the workers' first snapshots. */
  snapshotWaitMs?: number;
  /** A worker's calls are kept this long after its feed dropped (it may be back at once); then they are ended. */
  staleAfterMs?: number;
  /** Reconnection backoff of the workers' feeds. */
  backoff?: { minMs: number; maxMs: number };
  /** The workers' feeds' idle timeout (they send a comment every 15 s). */
  feedIdleTimeoutMs?: number;
}

interface Viewer {
  stream: EventStream;
  principal: Principal;
}

/** A call's finished turns kept for viewers that connect mid-call. */
const MAX_TURNS_KEPT = 100;

/**
 * The gateway's live view of every realtime worker's calls, for the operator console (`GET
 * /api/live`). One subscription per worker (opened by the first viewer, closed a while after the
 * last: no viewer, no load on the workers), their snapshots and events merged into one map of live
 * calls, fanned out to any number of viewers, each filtered to its principal's accounts and
 * behind a bounded queue (a viewer that cannot keep up is disconnected, never buffered without
 * bound). The waiting queue is read again every few seconds and changes go out as `takeover` events.
 */
export class LiveHub {
  private readonly feeds = new Map<string, FeedSubscription>();
  /** The merged live calls, each with the worker that reported it last (a handed-over call moves). */
  private readonly calls = new Map<string, { call: LiveCall; worker: string }>();
  private readonly viewers = new Set<Viewer>();
  private readonly stale = new Map<string, NodeJS.Timeout>();
  /** Keyed by account and customer. */
  private waiting = new Map<string, TakeoverView>();
  private waitingRead: Promise<void> = Promise.resolve();
  private readingWaiting = false;
  private running = false;
  private linger?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  /** New viewers waiting for a worker's first snapshot (or failure). */
  private readonly firstAnswers = new Map<string, Array<() => void>>();
  private waitingFailures = 0;

  constructor(private readonly options: LiveHubOptions) {}

  /** Whether the gateway can read the workers' feeds (an internal token is configured). */
  get feedOn(): boolean {
    return internalToken(this.options.config.get()) !== undefined;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** The live calls a principal sees (a copy). */
  liveCalls(principal: Principal): LiveCall[] {
    return [...this.calls.values()]
      .filter(({ call }) => seesAccount(principal, call.accountSid))
      .map(({ call }) => ({ ...call, turns: [...call.turns] }));
  }

  /**
   * A viewer (`GET /api/live`): the snapshot of the live calls and the waiting queue the principal
   * sees, then the events, until the connection goes.
   */
  async attach(res: ServerResponse, principal: Principal): Promise<void> {
    clearTimeout(this.linger);
    this.ensureRunning();
    const ready = await this.ready();
    if (res.destroyed || res.writableEnded) return this.maybeLinger();
    const viewer: Viewer = {
      principal,
      stream: EventStream.open(res, {
        maxQueued: this.options.maxViewerQueue ?? 1000,
        closed: (why) => {
          this.viewers.delete(viewer);
          if (why === 'slow') this.options.log.info('live viewer too slow: disconnected (it reconnects)');
          this.maybeLinger();
        },
      }),
    };
    const snapshot: LiveEvent = {
      type: 'snapshot',
      calls: this.liveCalls(principal),
      waiting: [...this.waiting.values()].filter((t) => seesAccount(principal, t.accountSid)),
      feed: !this.feedOn ? 'off' : ready ? 'on' : 'partial',
    };
    viewer.stream.send(new StreamEvent(snapshot));
    this.viewers.add(viewer);
  }

  /** Ends every viewer and every worker subscription (the gateway is shutting down). */
  close(): void {
    for (const viewer of [...this.viewers]) viewer.stream.close();
    this.viewers.clear();
    this.stop();
  }

  private ensureRunning(): void {
    if (this.running) {
      this.syncWorkers();
      return;
    }
    this.running = true;
    this.syncWorkers();
    this.refreshWaiting();
    const every = this.options.waitingEveryMs ?? 3000;
    this.poll = setInterval(() => {
      this.syncWorkers();
      this.refreshWaiting();
    }, every);
    this.poll.unref();
    this.heartbeat = setInterval(() => {
      for (const viewer of this.viewers) viewer.stream.comment('ping');
    }, this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Every worker answered (a snapshot, or a failure) and the waiting queue was read, or the wait is over. */
  private async ready(): Promise<boolean> {
    const waitMs = this.options.snapshotWaitMs ?? 2000;
    const pending = [...this.feeds.values()].filter((f) => !f.up);
    const answered = Promise.all(
      pending.map(
        (feed) =>
          new Promise<void>((resolve) =>
            this.firstAnswers.set(feed.key, [...(this.firstAnswers.get(feed.key) ?? []), resolve]),
          ),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
    try {
      await Promise.race([Promise.all([answered, this.waitingRead]), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return [...this.feeds.values()].every((f) => f.up);
  }

  /** Opens a subscription to each configured worker (the list can change with the configuration), closes removed ones. */
  private syncWorkers(): void {
    if (!this.feedOn) return;
    const urls = new Map(realtimeWorkerUrls(this.options.config.get()).map((u) => [u.href, u]));
    for (const [key, feed] of this.feeds)
      if (!urls.has(key)) {
        feed.stop();
        this.feeds.delete(key);
        this.dropWorker(key);
      }
    for (const [key, url] of urls) {
      if (this.feeds.has(key)) continue;
      const feed = new FeedSubscription({
        url,
        token: () => internalToken(this.options.config.get()),
        event: (event) => this.fromWorker(key, event),
        down: () => this.workerDown(key),
        log: this.options.log,
        ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
        ...(this.options.feedIdleTimeoutMs ? { idleTimeoutMs: this.options.feedIdleTimeoutMs } : {}),
      });
      this.feeds.set(key, feed);
      feed.start();
    }
  }

  private fromWorker(worker: string, event: LiveFeedEvent): void {
    switch (event.type) {
      case 'snapshot': {
        clearTimeout(this.stale.get(worker));
        this.stale.delete(worker);
        const now = new Set(event.calls.map((c) => c.callSid));
        for (const [callSid, entry] of this.calls)
          if (entry.worker === worker && !now.has(callSid)) this.endCall(callSid, entry.call.accountSid);
        for (const call of event.calls) this.startCall(worker, call);
        this.answered(worker);
        return;
      }
      case 'call.started':
        this.startCall(worker, event.call);
        return;
      case 'call.current': {
        const entry = this.owned(worker, event.callSid);
        if (!entry) return;
        entry.call.current = event.current;
        this.broadcast(event, event.accountSid);
        return;
      }
      case 'call.turn': {
        const entry = this.owned(worker, event.callSid);
        if (!entry) return;
        const { call } = entry;
        call.turns.push(event.turn);
        if (call.turns.length > MAX_TURNS_KEPT) call.turns.shift();
        if (call.current?.role === event.turn.role) delete call.current;
        this.broadcast(event, event.accountSid);
        return;
      }
      case 'call.ended':
        if (this.owned(worker, event.callSid)) this.endCall(event.callSid, event.accountSid);
        return;
      default:
        return;
    }
  }

  /** The call, if this worker holds it (a late event of a stream another worker took over is ignored). */
  private owned(worker: string, callSid: string): { call: LiveCall; worker: string } | undefined {
    const entry = this.calls.get(callSid);
    return entry?.worker === worker ? entry : undefined;
  }

  private startCall(worker: string, call: LiveCall): void {
    this.calls.set(call.callSid, { call, worker });
    this.broadcast({ type: 'call.started', call }, call.accountSid);
  }

  private endCall(callSid: string, accountSid: string): void {
    this.calls.delete(callSid);
    this.broadcast({ type: 'call.ended', callSid, accountSid }, accountSid);
  }

  /** A worker's feed dropped: its calls stay a while (a blip, or a restart), then are ended. */
  private workerDown(worker: string): void {
    this.answered(worker);
    if (this.stale.has(worker)) return;
    const timer = setTimeout(() => {
      this.stale.delete(worker);
      this.dropWorker(worker);
    }, this.options.staleAfterMs ?? 10_000);
    timer.unref();
    this.stale.set(worker, timer);
  }

  private answered(worker: string): void {
    for (const resolve of this.firstAnswers.get(worker) ?? []) resolve();
    this.firstAnswers.delete(worker);
  }

  private dropWorker(worker: string): void {
    for (const [callSid, entry] of this.calls)
      if (entry.worker === worker) this.endCall(callSid, entry.call.accountSid);
  }

  private refreshWaiting(): void {
    if (this.readingWaiting) return;
    this.readingWaiting = true;
    this.waitingRead = this.readWaiting().finally(() => (this.readingWaiting = false));
  }

  /** Reads the waiting queue and sends what changed (a conversation no longer waiting goes out as `agent`). */
  private async readWaiting(): Promise<void> {
    const source = this.options.waiting;
    try {
      if (!source) return;
      const views = await source('all');
      if (!this.running) return;
      const next = new Map(views.map((v) => [`${v.accountSid}/${v.customerId}`, v]));
      for (const [key, view] of next) {
        const before = this.waiting.get(key);
        if (!before || JSON.stringify(before) !== JSON.stringify(view))
          this.broadcast({ type: 'takeover', takeover: view }, view.accountSid);
      }
      for (const [key, view] of this.waiting)
        if (!next.has(key))
          this.broadcast({ type: 'takeover', takeover: { ...view, state: 'agent' } }, view.accountSid);
      this.waiting = next;
      this.waitingFailures = 0;
    } catch (error) {
      // Once, then every 20th failure in a row: a store outage must not flood the log.
      if (this.waitingFailures++ % 20 === 0)
        this.options.log.warn({ err: error }, 'could not read the waiting conversations for the live view');
    }
  }

  private broadcast(event: LiveEvent, accountSid: string): void {
    if (this.viewers.size === 0) return;
    const shared = new StreamEvent(event);
    for (const viewer of this.viewers) if (seesAccount(viewer.principal, accountSid)) viewer.stream.send(shared);
  }

  private maybeLinger(): void {
    if (this.viewers.size > 0 || !this.running) return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      if (this.viewers.size === 0) this.stop();
    }, this.options.lingerMs ?? 10_000);
    this.linger.unref();
  }

  private stop(): void {
    this.running = false;
    clearTimeout(this.linger);
    clearInterval(this.poll);
    clearInterval(this.heartbeat);
    for (const timer of this.stale.values()) clearTimeout(timer);
    this.stale.clear();
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
    this.calls.clear();
    this.waiting.clear();
    for (const worker of [...this.firstAnswers.keys()]) this.answered(worker);
  }
}
