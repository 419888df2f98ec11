import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { LiveFeed, tappedEvents } from '../../src/realtime/live-feed';
import { Playout } from '../../src/realtime/playout';
import { EventStream, StreamEvent } from '../../src/runtime/event-stream';
import type { LiveCall } from '../../src/gateway/api-types';
import type { CallEvents } from '../../src/realtime/call-events';
import type { CallTurn } from '../../src/voice/call-types';

/** A response whose socket takes (or, `stuck`, refuses) what is written, recording it. */
class FakeResponse extends EventEmitter {
  written = '';
  destroyed = false;
  ended = false;
  constructor(private readonly stuck = false) {
    super();
  }
  writeHead() {
    return this;
  }
  flushHeaders() {}
  write(text: string) {
    this.written += text;
    return !this.stuck;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

function call(callSid: string): LiveCall {
  return {
    callSid,
    accountSid: 'AC' + '1'.repeat(32),
    customerId: 'cus_1',
    remote: '+15550220101',
    local: '+15005550006',
    direction: 'inbound',
    startedAt: new Date(0).toISOString(),
    turns: [],
  };
}

const turn = (turnId: number, role: 'caller' | 'agent' = 'caller'): CallTurn => ({
  turnId,
  role,
  text: `words ${turnId}`,
  at: new Date(0).toISOString(),
});

function subscribe(feed: LiveFeed, res: FakeResponse, maxQueued = 100) {
  let why: string | undefined;
  let unsubscribe: () => void = () => undefined;
  const stream = EventStream.open(res.asResponse(), {
    maxQueued,
    closed: (reason) => {
      why = reason;
      unsubscribe();
    },
  });
  unsubscribe = feed.subscribe({ send: (e) => stream.send(e), close: () => stream.close() });
  return { stream, closedWhy: () => why };
}

function frames(res: FakeResponse): Array<{ type: string } & Record<string, unknown>> {
  return res.written
    .split('\n\n')
    .filter((b) => b.startsWith('event:'))
    .map((b) => JSON.parse(/^data: (.*)$/m.exec(b)![1]!) as { type: string });
}

describe('live feed (realtime worker)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('with no reader does no work on the voice path: nothing serialized, no partial text kept', async () => {
    const feed = new LiveFeed();
    const stringify = jest.spyOn(JSON, 'stringify');
    const tap = feed.started(call('CA1'));
    expect(tap.watched).toBe(false);
    tap.current('caller', 'hello the');
    tap.turn(turn(1));
    tap.current('agent', 'Sure', 1);
    await nextTick();
    expect(stringify).not.toHaveBeenCalled();
    // Only what a later reader's snapshot needs: the call and its finished turns.
    expect(feed.snapshot()).toEqual([expect.objectContaining({ callSid: 'CA1', turns: [turn(1)] })]);
    expect(feed.snapshot()[0]!.current).toBeUndefined();
    tap.ended();
    expect(feed.snapshot()).toEqual([]);
  });

  it("a reader gets the snapshot, then the events; the voice path's calls only queue (serialized later, once for all readers)", async () => {
    const feed = new LiveFeed();
    const early = feed.started(call('CA1'));
    early.turn(turn(0, 'agent'));
    const a = new FakeResponse();
    const b = new FakeResponse();
    subscribe(feed, a);
    subscribe(feed, b);
    const stringify = jest.spyOn(JSON, 'stringify');
    early.current('caller', 'check my');
    early.current('caller', 'check my order');
    early.turn(turn(1));
    const late = feed.started(call('CA2'));
    early.ended();
    // Nothing serialized or written within the voice loop's own calls.
    expect(stringify).not.toHaveBeenCalled();
    expect(a.written).toBe('');
    await nextTick();
    // Each reader's own snapshot, then five events, each serialized once although two readers got it.
    expect(stringify).toHaveBeenCalledTimes(2 + 5);
    expect(frames(a).map((e) => e.type)).toEqual([
      'snapshot',
      'call.current',
      'call.current',
      'call.turn',
      'call.started',
      'call.ended',
    ]);
    expect(frames(a)[0]).toMatchObject({ calls: [{ callSid: 'CA1', turns: [turn(0, 'agent')] }] });
    expect(frames(a)[2]).toMatchObject({ callSid: 'CA1', current: { role: 'caller', text: 'check my order' } });
    expect(b.written).toBe(a.written);
    expect(late.watched).toBe(true);
    expect(feed.snapshot().map((c) => c.callSid)).toEqual(['CA2']);
  });

  it('is bounded: a reader that does not keep up is cut off, the others and the calls go on', async () => {
    const feed = new LiveFeed();
    const tap = feed.started(call('CA1'));
    const stuck = new FakeResponse(true);
    const fine = new FakeResponse();
    const slow = subscribe(feed, stuck, 10);
    subscribe(feed, fine, 10);
    await nextTick(); // the snapshots go out; the stuck socket refuses more
    for (let i = 1; i <= 30; i++) {
      tap.current('caller', `word ${i}`);
      if (i % 5 === 0) await nextTick();
    }
    expect(stuck.destroyed).toBe(true);
    expect(slow.closedWhy()).toBe('slow');
    await nextTick();
    expect(frames(fine).filter((e) => e.type === 'call.current')).toHaveLength(30);
    // The cut-off reader is no longer fed.
    expect(feed.watched).toBe(true);
    const before = stuck.written.length;
    tap.turn(turn(1));
    await nextTick();
    expect(stuck.written.length).toBe(before);
  });

  it('keeps at most the last 100 finished turns of a call for the snapshot', () => {
    const feed = new LiveFeed();
    const tap = feed.started(call('CA1'));
    for (let i = 1; i <= 150; i++) tap.turn(turn(i));
    const [snapshot] = feed.snapshot();
    expect(snapshot!.turns).toHaveLength(100);
    expect(snapshot!.turns[0]!.turnId).toBe(51);
  });

  it('tells the call workflow everything and the feed the turns and the end', () => {
    const feed = new LiveFeed();
    const tap = feed.started(call('CA1'));
    const seen: string[] = [];
    const events: CallEvents = {
      streamStarted: () => seen.push('started'),
      turn: () => seen.push('turn'),
      dtmf: () => seen.push('dtmf'),
      ended: () => seen.push('ended'),
      runTool: () => Promise.resolve({ ok: true, result: 'done' }),
      flush: () => Promise.resolve(),
    };
    const tapped = tappedEvents(events, tap);
    tapped.turn(turn(1));
    tapped.dtmf('4');
    expect(feed.snapshot()[0]!.turns).toEqual([turn(1)]);
    tapped.ended({ reason: 'stop', at: new Date(0).toISOString() });
    expect(seen).toEqual(['turn', 'dtmf', 'ended']);
    expect(feed.snapshot()).toEqual([]);
  });

  it("the playout announces the agent's words as each chunk starts playing (only while watched)", () => {
    const said: string[] = [];
    let watched = true;
    const p = new Playout(
      'MZ1',
      () => undefined,
      () => 0,
      {
        watched: () => watched,
        playing: (_turnId, text) => said.push(text),
      },
    );
    const a = p.startChunk(1, 'Sure.');
    const b = p.startChunk(1, 'It ships today.');
    p.sendAudio(a, Buffer.alloc(800, 0x55));
    p.endChunk(a);
    p.sendAudio(b, Buffer.alloc(800, 0x55)); // queued behind the first: not playing yet
    p.endChunk(b);
    expect(said).toEqual(['Sure.']);
    p.onMark('t1c0');
    expect(said).toEqual(['Sure.', 'Sure. It ships today.']);
    watched = false;
    const c = p.startChunk(2, 'Anything else?');
    p.onMark('t1c1');
    p.sendAudio(c, Buffer.alloc(800, 0x55));
    expect(said).toHaveLength(2);
  });

  it('a stream event is serialized once, however many streams it goes to', () => {
    const stringify = jest.spyOn(JSON, 'stringify');
    const event = new StreamEvent({ type: 'x' });
    expect(event.frame).toBe(event.frame);
    expect(stringify).toHaveBeenCalledTimes(1);
  });
});
