import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigStore } from '../../src/config/store';
import { createLogger } from '../../src/observability/logger';
import { LiveFeed, type LiveCallTap } from '../../src/realtime/live-feed';
import { serveLiveFeed } from '../../src/realtime/live-endpoint';
import { LiveHub } from '../../src/gateway/live-hub';
import { ROOT_PRINCIPAL, type Principal } from '../../src/gateway/principal';
import type { LiveCall, TakeoverView } from '../../src/gateway/api-types';
import { openEventStream, type EventReader, type ReceivedEvent } from '../harness/live';

const ACCOUNT_A = 'AC' + 'a'.repeat(32);
const ACCOUNT_B = 'AC' + 'b'.repeat(32);
const OPERATOR_KEY = 'unit-operator-key-0123456789';
const log = createLogger('test', 'silent');

/** A realtime worker's feed endpoint on its own port (a real LiveFeed behind the real endpoint). */
class FakeWorker {
  feed = new LiveFeed();
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly config: ConfigStore) {}

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) =>
      serveLiveFeed(req, res, { feed: this.feed, config: this.config, log }),
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** The process dies: every connection cut, a fresh feed when it comes back. */
  async crash(): Promise<void> {
    this.server?.close();
    for (const socket of this.sockets) socket.destroy();
    this.feed = new LiveFeed();
  }

  async stop(): Promise<void> {
    this.feed.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

function call(callSid: string, accountSid: string): LiveCall {
  return {
    callSid,
    accountSid,
    customerId: `cus_${callSid}`,
    remote: '+15550220201',
    local: '+15005550006',
    direction: 'inbound',
    startedAt: new Date(0).toISOString(),
    turns: [],
  };
}

const turn = (turnId: number) => ({
  turnId,
  role: 'caller' as const,
  text: `words ${turnId}`,
  at: new Date(0).toISOString(),
});

const operatorOf = (accounts: string[]): Principal => ({
  kind: 'operator',
  operatorId: 'op_1',
  name: 'Ann',
  role: 'agent',
  accounts,
  via: 'session',
});

describe('live hub (gateway)', () => {
  let config: ConfigStore;
  let workers: FakeWorker[];
  let hub: LiveHub;
  let viewerServer: http.Server;
  let viewersUrl: string;
  const readers: EventReader[] = [];
  let waiting: TakeoverView[] = [];

  /** A viewer as `GET /api/live` serves one, as the principal named by the `x-principal` header. */
  async function viewer(principal: Principal = ROOT_PRINCIPAL): Promise<EventReader> {
    const reader = await openEventStream(viewersUrl, { 'x-principal': JSON.stringify(principal) });
    readers.push(reader);
    await reader.waitFor('snapshot', (e) => e.type === 'snapshot');
    return reader;
  }

  async function setUp(options: { token?: boolean; maxViewerQueue?: number } = {}): Promise<void> {
    const probe = ConfigStore.load({ OPERATOR_API_KEY: OPERATOR_KEY });
    workers = [new FakeWorker(probe), new FakeWorker(probe)];
    for (const w of workers) await w.start();
    config = ConfigStore.load({
      ...(options.token === false ? {} : { OPERATOR_API_KEY: OPERATOR_KEY }),
      REALTIME_INTERNAL_URLS: workers.map((w) => w.url).join(','),
    });
    hub = new LiveHub({
      config,
      log,
      waiting: (accounts) =>
        Promise.resolve(accounts === 'all' ? waiting : waiting.filter((w) => accounts.includes(w.accountSid))),
      waitingEveryMs: 100,
      backoff: { minMs: 50, maxMs: 200 },
      staleAfterMs: 500,
      lingerMs: 200,
      ...(options.maxViewerQueue ? { maxViewerQueue: options.maxViewerQueue } : {}),
    });
    viewerServer = http.createServer((req, res) => {
      void hub.attach(res, JSON.parse(req.headers['x-principal'] as string) as Principal);
    });
    await new Promise<void>((resolve) => viewerServer.listen(0, '127.0.0.1', resolve));
    viewersUrl = `http://127.0.0.1:${(viewerServer.address() as AddressInfo).port}/`;
  }

  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    hub.close();
    viewerServer.closeAllConnections();
    await new Promise<void>((resolve) => viewerServer.close(() => resolve()));
    await Promise.all(workers.map((w) => w.stop()));
    config.close();
    waiting = [];
  });

  it("merges the workers' snapshots, fans events out to every viewer, and filters by the principal's accounts", async () => {
    await setUp();
    const a1 = workers[0]!.feed.started(call('CA_A1', ACCOUNT_A));
    a1.turn(turn(1));
    workers[1]!.feed.started(call('CA_B1', ACCOUNT_B));
    waiting = [{ customerId: 'cus_w', accountSid: ACCOUNT_B, state: 'waiting', reason: 'asked for a person' }];

    const root = await viewer();
    const other = await viewer();
    const onlyA = await viewer(operatorOf([ACCOUNT_A]));
    const snapshot = root.events[0]!.data as { calls: LiveCall[]; waiting: TakeoverView[]; feed: string };
    expect(snapshot.feed).toBe('on');
    expect(snapshot.calls.map((c) => c.callSid).sort()).toEqual(['CA_A1', 'CA_B1']);
    expect(snapshot.calls.find((c) => c.callSid === 'CA_A1')!.turns).toEqual([turn(1)]);
    expect(snapshot.waiting).toEqual(waiting);
    const scoped = onlyA.events[0]!.data as { calls: LiveCall[]; waiting: TakeoverView[] };
    expect(scoped.calls.map((c) => c.callSid)).toEqual(['CA_A1']);
    expect(scoped.waiting).toEqual([]);

    const b1 = workers[1]!.feed.started(call('CA_B2', ACCOUNT_B));
    b1.current('caller', 'secret words');
    a1.current('caller', 'hello');
    for (const r of [root, other, onlyA])
      await r.waitFor('the current words on A', (e) => e.type === 'call.current' && e.data.callSid === 'CA_A1');
    for (const r of [root, other])
      expect(r.events.some((e) => e.type === 'call.current' && e.data.callSid === 'CA_B2')).toBe(true);
    // The operator of account A never receives anything of account B.
    expect(onlyA.events.slice(1).map((e) => e.data.callSid)).toEqual(['CA_A1']);

    // A change in the waiting queue goes out as a takeover event (to those who see its account).
    waiting = [{ customerId: 'cus_a', accountSid: ACCOUNT_A, state: 'waiting' }];
    await root.waitFor(
      'the new waiting conversation',
      (e) => e.type === 'takeover' && (e.data.takeover as TakeoverView).customerId === 'cus_a',
    );
    await root.waitFor(
      'the one no longer waiting',
      (e) =>
        e.type === 'takeover' &&
        (e.data.takeover as TakeoverView).customerId === 'cus_w' &&
        (e.data.takeover as TakeoverView).state === 'agent',
    );
    await onlyA.waitFor('the waiting conversation of A', (e) => e.type === 'takeover');
    expect(
      onlyA.events.filter((e) => e.type === 'takeover').map((e) => (e.data.takeover as TakeoverView).customerId),
    ).toEqual(['cus_a']);
  });

  it('disconnects a viewer that cannot keep up; the others carry on', async () => {
    await setUp({ maxViewerQueue: 20 });
    const tap = workers[0]!.feed.started(call('CA_S', ACCOUNT_A));
    const fine = await viewer();
    // A viewer whose socket takes nothing: a response that refuses every write.
    const closed: string[] = [];
    const stuck = Object.assign(new (await import('node:events')).EventEmitter(), {
      destroyed: false,
      writableEnded: false,
      writeHead() {
        return this;
      },
      flushHeaders() {},
      write: () => false,
      end() {},
      destroy() {
        closed.push('destroyed');
      },
    });
    await hub.attach(stuck as unknown as http.ServerResponse, ROOT_PRINCIPAL);
    expect(hub.viewerCount).toBe(2);
    for (let i = 0; i < 60; i++) {
      tap.current('caller', `word ${i}`);
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
    }
    await fine.waitFor(
      'the last word',
      (e) => e.type === 'call.current' && (e.data.current as { text: string }).text === 'word 59',
    );
    expect(closed).toEqual(['destroyed']);
    expect(hub.viewerCount).toBe(1);
  });

  it("reconnects to a worker that restarts: its calls end, the new process's calls arrive", async () => {
    await setUp();
    const before = workers[0]!.feed.started(call('CA_R1', ACCOUNT_A));
    before.turn(turn(1));
    const root = await viewer();
    expect((root.events[0]!.data.calls as LiveCall[]).map((c) => c.callSid)).toEqual(['CA_R1']);
    const port = workers[0]!.port;
    await workers[0]!.crash();
    // Gone for longer than the hub keeps a silent worker's calls: they end.
    await root.waitFor('the lost call ended', (e) => e.type === 'call.ended' && e.data.callSid === 'CA_R1', 5000);
    const after: LiveCallTap = workers[0]!.feed.started(call('CA_R2', ACCOUNT_A));
    await workers[0]!.start(port);
    await root.waitFor(
      'the call on the restarted worker',
      (e) => e.type === 'call.started' && (e.data.call as LiveCall).callSid === 'CA_R2',
      5000,
    );
    after.turn(turn(1));
    await root.waitFor('its turn', (e) => e.type === 'call.turn' && e.data.callSid === 'CA_R2');
  });

  it('a worker back before its calls were given up: the snapshot replaces them (ended calls end, live ones stay)', async () => {
    await setUp();
    (workers[0] as FakeWorker).feed.started(call('CA_K1', ACCOUNT_A));
    const root = await viewer();
    const port = workers[0]!.port;
    await workers[0]!.crash();
    workers[0]!.feed.started(call('CA_K2', ACCOUNT_A));
    await workers[0]!.start(port);
    const from = root.events.length;
    await root.waitFor(
      'the new call',
      (e: ReceivedEvent) => e.type === 'call.started' && (e.data.call as LiveCall).callSid === 'CA_K2',
      5000,
      from,
    );
    await root.waitFor(
      'the old call ended',
      (e: ReceivedEvent) => e.type === 'call.ended' && e.data.callSid === 'CA_K1',
      5000,
      from,
    );
    expect(hub.liveCalls(ROOT_PRINCIPAL).map((c) => c.callSid)).toEqual(['CA_K2']);
  });

  it('without an internal token the feed is off: the snapshot says so, the workers are not asked', async () => {
    await setUp({ token: false });
    workers[0]!.feed.started(call('CA_OFF', ACCOUNT_A));
    const root = await viewer();
    expect(root.events[0]!.data).toMatchObject({ type: 'snapshot', calls: [], feed: 'off' });
    expect(workers[0]!.feed.watched).toBe(false);
  });

  it('closes its worker subscriptions a while after the last viewer left', async () => {
    await setUp();
    const root = await viewer();
    expect(workers[0]!.feed.watched).toBe(true);
    root.close();
    const deadline = Date.now() + 5000;
    while ((workers[0]!.feed.watched || workers[1]!.feed.watched) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(workers[0]!.feed.watched).toBe(false);
    expect(workers[1]!.feed.watched).toBe(false);
  });
});

describe('the internal feed endpoint', () => {
  it('is off (503) when no internal token can be had, and never serves a reader without one', async () => {
    const config = ConfigStore.load({});
    const worker = new FakeWorker(config);
    await worker.start();
    try {
      const off = await fetch(`${worker.url}/internal/live`, {
        headers: { authorization: 'Bearer anything-at-all-0123' },
      });
      expect(off.status).toBe(503);
      expect(((await off.json()) as { error: string }).error).toMatch(/BELUGA_INTERNAL_TOKEN/);
    } finally {
      await worker.stop();
      config.close();
    }
    const explicit = ConfigStore.load({
      BELUGA_INTERNAL_TOKEN: 'internal-token-0123456789',
      OPERATOR_API_KEY: OPERATOR_KEY,
    });
    const secured = new FakeWorker(explicit);
    await secured.start();
    try {
      expect((await fetch(`${secured.url}/internal/live`)).status).toBe(401);
      // With an explicit token, the one derived from the operator key is not accepted.
      const derived = (await import('node:crypto'))
        .createHmac('sha256', OPERATOR_KEY)
        .update('beluga-live-feed')
        .digest('hex');
      expect(
        (await fetch(`${secured.url}/internal/live`, { headers: { authorization: `Bearer ${derived}` } })).status,
      ).toBe(401);
      const reader = await openEventStream(`${secured.url}/internal/live`, {
        authorization: 'Bearer internal-token-0123456789',
      });
      expect(reader.status).toBe(200);
      reader.close();
    } finally {
      await secured.stop();
      explicit.close();
    }
  });
});
