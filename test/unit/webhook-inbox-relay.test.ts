import { MongoClient, type Db } from 'mongodb';
import type { AcceptedWebhook } from '../../src/inbox/accepted-webhook';
import { inboxKeys } from '../../src/inbox/accepted-webhook';
import { DurableAcceptance, NotAccepted } from '../../src/inbox/durable-acceptance';
import type { HandOver } from '../../src/inbox/hand-over';
import { InboxRelay } from '../../src/inbox/inbox-relay';
import { WebhookInbox } from '../../src/inbox/webhook-inbox';
import { DeadlineExceeded } from '../../src/inbox/within-deadline';
import { createLogger } from '../../src/observability/logger';
import { testStack, uniqueName } from '../harness/stack';

const log = createLogger('test', 'silent');
/** Stands in for the Temporal connection: the deadline is enforced by withinDeadline's own timer. */
const temporal = { withDeadline: <T>(_deadline: number | Date, fn: () => Promise<T>) => fn() };

let sidCounter = 0;
const messageSid = () => `SM${(++sidCounter).toString(16).padStart(32, '0')}`;
const ACCOUNT = 'AC' + '0'.repeat(32);

/** A status callback: one message's statuses share an order key, like a customer's texts. */
function status(sid: string, value: string): AcceptedWebhook {
  return {
    kind: 'message-status',
    callback: { messageSid: sid, accountSid: ACCOUNT, status: value, receivedAt: new Date().toISOString() },
  };
}
const label = (w: AcceptedWebhook) =>
  w.kind === 'message-status' ? `${w.callback.messageSid}:${w.callback.status}` : w.kind;

describe('webhook inbox and relay', () => {
  let client: MongoClient;
  let db: Db;
  let inbox: WebhookInbox;

  beforeEach(async () => {
    client ??= await MongoClient.connect(testStack().mongoUri);
    db = client.db(uniqueName('inbox').replace(/-/g, '_'));
    inbox = new WebhookInbox(db);
    await inbox.ensureIndexes();
  });
  afterEach(async () => {
    await db.dropDatabase().catch(() => undefined);
  });
  afterAll(async () => {
    await client?.close();
  });

  async function store(...webhooks: AcceptedWebhook[]): Promise<void> {
    for (const webhook of webhooks) expect(await inbox.add({ ...inboxKeys(webhook), webhook })).toBe('stored');
  }

  it('stores a redelivered webhook once, and reads it back as it was stored', async () => {
    const webhook = status(messageSid(), 'delivered');
    await store(webhook);
    expect(await inbox.add({ ...inboxKeys(webhook), webhook })).toBe('duplicate');
    const entry = await inbox.get(inboxKeys(webhook).id);
    expect(entry?.webhook).toEqual(webhook);
    expect(entry?.relayedAt).toBeUndefined();
  });

  it('hands each order key over in acceptance order, and a failure holds back only that key', async () => {
    const a = messageSid();
    const b = messageSid();
    await store(
      status(a, 'sent'),
      status(b, 'sent'),
      status(a, 'delivered'),
      status(b, 'delivered'),
      status(a, 'read'),
    );
    const handed: string[] = [];
    let failNext = true;
    const handOver: HandOver = async (webhook) => {
      if (failNext && label(webhook) === `${a}:sent`) {
        failNext = false;
        throw new Error('workflow task queue misconfigured');
      }
      handed.push(label(webhook));
    };
    const relay = new InboxRelay({ inbox, handOver, temporal, log });

    expect(await relay.drain()).toBe(2);
    // a's first failed: its later entries waited; b went on.
    expect(handed).toEqual([`${b}:sent`, `${b}:delivered`]);
    expect((await inbox.get(inboxKeys(status(a, 'sent')).id))?.attempts).toBe(1);

    expect(await relay.drain()).toBe(3);
    expect(handed.slice(2)).toEqual([`${a}:sent`, `${a}:delivered`, `${a}:read`]);
    expect(await inbox.pendingOrderKeys(10)).toEqual([]);
    expect(await relay.drain()).toBe(0);
  });

  it('stops the scan when Temporal is out of reach instead of waiting out every key', async () => {
    await store(status(messageSid(), 'sent'), status(messageSid(), 'sent'), status(messageSid(), 'sent'));
    let calls = 0;
    const relay = new InboxRelay({
      inbox,
      handOver: async () => {
        calls++;
        throw new DeadlineExceeded('inbox handover', 5000);
      },
      temporal,
      log,
    });
    expect(await relay.drain()).toBe(0);
    expect(calls).toBe(1);
    expect(await inbox.pendingOrderKeys(10)).toHaveLength(3);
  });

  it('lets concurrent relays hand every entry over once, each key in order', async () => {
    const sids = [messageSid(), messageSid(), messageSid()];
    for (const value of ['sent', 'delivered', 'read']) await store(...sids.map((sid) => status(sid, value)));
    const handed: string[] = [];
    const handOver: HandOver = async (webhook) => {
      handed.push(label(webhook));
      await new Promise((r) => setTimeout(r, 20));
    };
    const relays = [1, 2, 3].map(() => new InboxRelay({ inbox, handOver, temporal, log }));
    const counts = await Promise.all(relays.map((relay) => relay.drain()));
    // Whatever a relay found leased it left to the others or the next scan.
    while ((await inbox.pendingOrderKeys(10)).length > 0) counts.push(await relays[0]!.drain());
    expect(counts.reduce((x, y) => x + y, 0)).toBe(9);
    expect([...handed].sort()).toEqual(
      sids.flatMap((sid) => ['sent', 'delivered', 'read'].map((v) => `${sid}:${v}`)).sort(),
    );
    for (const sid of sids)
      expect(handed.filter((h) => h.startsWith(sid))).toEqual(['sent', 'delivered', 'read'].map((v) => `${sid}:${v}`));
  });

  it('leaves a key leased by a live relay alone, and takes it over once that lease expires', async () => {
    const sid = messageSid();
    await store(status(sid, 'sent'));
    const orderKey = inboxKeys(status(sid, 'sent')).orderKey;
    const t0 = new Date();
    expect(await inbox.claim(orderKey, 'crashed-relay', 30_000, t0)).toBe(true);
    expect(await inbox.claim(orderKey, 'other-relay', 30_000, new Date(t0.getTime() + 1000))).toBe(false);
    expect(await inbox.claim(orderKey, 'crashed-relay', 30_000, new Date(t0.getTime() + 1000))).toBe(true);
    expect(await inbox.claim(orderKey, 'other-relay', 30_000, new Date(t0.getTime() + 32_000))).toBe(true);

    const handed: string[] = [];
    const relay = new InboxRelay({ inbox, handOver: async (w) => void handed.push(label(w)), temporal, log });
    expect(await relay.drain()).toBe(0);
    await inbox.release(orderKey, 'other-relay');
    expect(await relay.drain()).toBe(1);
    expect(handed).toEqual([`${sid}:sent`]);
  });

  describe('acceptance', () => {
    const options = { handOverMs: 300, storeMs: 300 };

    it('hands over directly when nothing of the key waits, else queues behind it', async () => {
      const handed: string[] = [];
      const acceptance = new DurableAcceptance({
        handOver: async (w) => void handed.push(label(w)),
        inbox,
        temporal,
        log,
        options,
      });
      const sid = messageSid();
      expect(await acceptance.accept(status(sid, 'sent'))).toBe('handed-over');
      await store(status(sid, 'delivered'));
      // Temporal is fine, but `read` must not overtake `delivered`, still in the inbox.
      expect(await acceptance.accept(status(sid, 'read'))).toBe('stored');
      expect(handed).toEqual([`${sid}:sent`]);
      expect((await inbox.pending(inboxKeys(status(sid, 'read')).orderKey, 10)).map((e) => label(e.webhook))).toEqual([
        `${sid}:delivered`,
        `${sid}:read`,
      ]);
    });

    it('stores the webhook when the handover fails or outlasts its deadline, and tells the relay', async () => {
      let nudged = 0;
      const acceptance = new DurableAcceptance({
        handOver: (w) =>
          label(w).endsWith(':sent') ? new Promise<void>(() => undefined) : Promise.reject(new Error('unavailable')),
        inbox,
        temporal,
        log,
        onStored: () => nudged++,
        options,
      });
      const started = Date.now();
      expect(await acceptance.accept(status(messageSid(), 'sent'))).toBe('stored');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await acceptance.accept(status(messageSid(), 'failed'))).toBe('stored');
      expect(nudged).toBe(2);
    });

    it('is NotAccepted when the inbox cannot store it either', async () => {
      const broken = Object.assign(Object.create(WebhookInbox.prototype) as WebhookInbox, {
        hasPending: () => Promise.reject(new Error('MongoDB down')),
        add: () => new Promise<never>(() => undefined),
      });
      const acceptance = new DurableAcceptance({
        handOver: () => Promise.reject(new Error('Temporal down')),
        inbox: broken,
        temporal,
        log,
        options,
      });
      await expect(acceptance.accept(status(messageSid(), 'sent'))).rejects.toBeInstanceOf(NotAccepted);
    });

    it('accepts one order key one webhook at a time, in arrival order', async () => {
      const handed: string[] = [];
      const acceptance = new DurableAcceptance({
        handOver: async (w) => {
          await new Promise((r) => setTimeout(r, label(w).endsWith(':sent') ? 100 : 0));
          handed.push(label(w));
        },
        inbox,
        temporal,
        log,
        options,
      });
      const sid = messageSid();
      await Promise.all([acceptance.accept(status(sid, 'sent')), acceptance.accept(status(sid, 'delivered'))]);
      expect(handed).toEqual([`${sid}:sent`, `${sid}:delivered`]);
    });
  });
});
