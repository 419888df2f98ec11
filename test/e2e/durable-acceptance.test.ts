import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { createGatewayApp } from '../../src/gateway/app';
import { createWebhookIntake, type WebhookIntake } from '../../src/inbox/webhook-intake';
import { createLogger } from '../../src/observability/logger';
import { createStores } from '../../src/storage/stores';
import { boundWorkflowId } from '../../src/events/routing-ids';
import { CONNECTION_OVERRIDES } from '../../src/telephony/twilio/connection-overrides';
import { sendTwilioWebhook, type WebhookParams } from '../../devstack/emulators/twilio/webhook-sender';
import { testStack } from '../harness/stack';
import { TcpPlug } from '../harness/tcp-plug';
import {
  AGENT_NUMBER,
  PUBLIC_URL,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const phonePrefix = `+1415${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: every test gets its own numbers. */
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

const BINDING = 'received-while-down';

/**
 * A second gateway, wired like workers/gateway.ts (lazy Temporal connection, its own MongoDB client,
 * the inbox relay running), whose connections to Temporal and MongoDB pass through plugs the test pulls.
 * The system's own orchestrator worker keeps its direct connection: only the gateway loses Temporal.
 */
describe('durable acceptance: webhooks survive a Temporal outage', () => {
  let system: TestSystem;
  let temporalPlug: TcpPlug;
  let mongoPlug: TcpPlug;
  let connection: Connection;
  let mongo: MongoClient;
  let intake: WebhookIntake;
  let server: http.Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    system = await startTestSystem(
      {},
      {
        // The plugged gateway below must be the only one draining the inbox: this one's relay reaches Temporal.
        inboxRelay: false,
        configFile: {
          events: { bindings: [{ name: BINDING, events: ['message.received'], workflow: 'logEventWorkflow' }] },
        },
      },
    );
    const stack = testStack();
    temporalPlug = new TcpPlug(TcpPlug.targetOf(stack.temporalAddress));
    mongoPlug = new TcpPlug(TcpPlug.targetOf(stack.mongoUri));
    const [temporalAddress, mongoAddress] = await Promise.all([temporalPlug.start(), mongoPlug.start()]);
    connection = Connection.lazy({ address: temporalAddress });
    const temporal = new Client({ connection, namespace: system.config.get().temporal.namespace });
    const { host, port } = TcpPlug.targetOf(stack.mongoUri);
    mongo = new MongoClient(stack.mongoUri.replace(`${host}:${port}`, mongoAddress), {
      serverSelectionTimeoutMS: 2000,
      // As the gateway's own client: a connection attempt that hangs (a loaded server) is given up and retried soon.
      connectTimeoutMS: 2000,
      directConnection: true,
    });
    const stores = createStores(mongo.db(system.config.get().mongodb.database));
    await stores.webhookInbox.ensureIndexes();
    const log = createLogger('test', 'silent');
    intake = createWebhookIntake({
      config: system.config,
      temporal,
      temporalConnection: connection,
      stores,
      log,
      relay: { pollMs: 200 },
    });
    intake.relay.start();
    const app = createGatewayApp({
      config: system.config,
      temporal,
      temporalConnection: connection,
      mongo,
      stores,
      log,
      intake,
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await temporalPlug?.plug();
    await mongoPlug?.plug();
    await intake?.relay.stop();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await Promise.allSettled([connection?.close(), mongo?.close()]);
    await Promise.allSettled([temporalPlug?.stop(), mongoPlug?.stop()]);
    await system?.stop();
  });

  /** A signed webhook to the plugged gateway, as Twilio sends it; with how long the answer took. */
  async function webhook(path: string, params: WebhookParams): Promise<{ status: number; body: string; ms: number }> {
    const started = Date.now();
    const response = await sendTwilioWebhook({
      url: `${gatewayUrl}${path}`,
      publicUrl: `${PUBLIC_URL}${path}`,
      authToken: TEST_AUTH_TOKEN,
      params,
    });
    return { status: response.status, body: response.body, ms: Date.now() - started };
  }

  const inbox = () => system.db.collection<{ _id: string; relayedAt?: Date }>('webhook_inbox');

  it('acknowledges 20 SMS fast while Temporal is down, then answers each once, in order per customer, without a resend', async () => {
    const customers = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
    const sent = new Map(
      customers.map((from) => [from, [1, 2, 3, 4, 5].map((n) => inboundSms(from, `${from} #${n}`))]),
    );
    await temporalPlug.unplug();

    // Each customer's texts one after another (as a person types), the four customers at once.
    const answers = await Promise.all(
      customers.map(async (from) => {
        const results = [];
        for (const params of sent.get(from)!) results.push(await webhook('/twilio/messaging/inbound', params));
        return results;
      }),
    );
    for (const answer of answers.flat()) {
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('<Response');
      // Twilio gives up after 15 s; the gateway falls back to the inbox after its 3 s handover deadline.
      expect(answer.ms).toBeLessThan(5000);
    }
    const ids = [...sent.values()].flat().map((p) => `message:${String(p.MessageSid)}`);
    expect(await inbox().countDocuments({ _id: { $in: ids }, relayedAt: { $exists: false } })).toBe(20);

    // Twilio retrying one of them during the outage: stored once, acknowledged again.
    const retried = sent.get(customers[0]!)![0]!;
    expect((await webhook('/twilio/messaging/inbound', retried)).status).toBe(200);
    expect(await inbox().countDocuments({ _id: { $in: ids } })).toBe(20);

    // The voice answer needs no Temporal: calls still get their TwiML during the outage.
    const incoming = await webhook('/twilio/voice/incoming', {
      CallSid: 'CA' + 'c0'.repeat(16),
      AccountSid: TEST_ACCOUNT_SID,
      From: uniquePhone(),
      To: AGENT_NUMBER,
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(incoming.status).toBe(200);
    expect(incoming.body).toContain('<Connect ');
    expect(incoming.ms).toBeLessThan(5000);

    expect(customers.every((from) => system.twilio.sentMessages({ to: from }).length === 0)).toBe(true);
    await temporalPlug.plug();

    for (const from of customers)
      await eventually(`5 replies to ${from}`, () => system.twilio.sentMessages({ to: from }).length >= 5, 60_000);
    await eventually(
      'the inbox drained',
      async () => (await inbox().countDocuments({ _id: { $in: ids }, relayedAt: { $exists: false } })) === 0,
    );

    // A retry that reaches Temporal directly after the relay handed the same webhook over: no second reply.
    expect((await webhook('/twilio/messaging/inbound', retried)).status).toBe(200);
    const late = inboundSms(customers[0]!, `${customers[0]!} #6`);
    expect((await webhook('/twilio/messaging/inbound', late)).status).toBe(200);
    await eventually(
      'the reply to the message after the outage',
      () => system.twilio.sentMessages({ to: customers[0]! }).length >= 6,
    );

    for (const from of customers) {
      const replies = system.twilio.sentMessages({ to: from }).map((m) => m.body);
      const expected = (from === customers[0] ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4, 5]).map(
        (n) => `You said: ${from} #${n}`,
      );
      expect(replies).toEqual(expected);
    }
  }, 120_000);

  it('publishes message.received to a bound workflow for a message that arrived while Temporal was down', async () => {
    const from = uniquePhone();
    const params = inboundSms(from, 'hello while down');
    await temporalPlug.unplug();
    try {
      expect((await webhook('/twilio/messaging/inbound', params)).status).toBe(200);
    } finally {
      await temporalPlug.plug();
    }
    const bound = system.temporal.workflow.getHandle(
      boundWorkflowId(BINDING, `message.received:${String(params.MessageSid)}`),
    );
    await eventually(
      'the bound workflow ran',
      async () => (await bound.describe().catch(() => undefined))?.status.name === 'COMPLETED',
      30_000,
    );
    await eventually('the reply', () => system.twilio.sentMessages({ to: from }).length === 1);
  }, 60_000);

  it('accepts a signature over the URL with its connection overrides, and no other fragment', async () => {
    const path = '/twilio/messaging/inbound';
    const from = uniquePhone();
    const signedWith = (fragment: string, params: WebhookParams) =>
      sendTwilioWebhook({
        url: `${gatewayUrl}${path}`,
        publicUrl: `${PUBLIC_URL}${path}#${fragment}`,
        authToken: TEST_AUTH_TOKEN,
        params,
      });
    expect((await signedWith(CONNECTION_OVERRIDES, inboundSms(from, 'signed with the overrides'))).status).toBe(200);
    expect((await signedWith('rc=5&rp=all', inboundSms(from, 'signed with other overrides'))).status).toBe(403);
  });

  it('answers 503 quickly when neither Temporal nor MongoDB can take the webhook', async () => {
    const from = uniquePhone();
    const params = inboundSms(from, 'nobody home');
    await temporalPlug.unplug();
    await mongoPlug.unplug();
    let answer: { status: number; ms: number };
    try {
      answer = await webhook('/twilio/messaging/inbound', params);
    } finally {
      await temporalPlug.plug();
      await mongoPlug.plug();
    }
    expect(answer.status).toBe(503);
    // Both deadlines (handover, then inbox insert), far below Twilio's 15 s.
    expect(answer.ms).toBeLessThan(8000);
    // Twilio retries the 503 (the URL's connection overrides ask it to): once both are back, it is answered.
    await eventually(
      'the retry accepted',
      async () => (await webhook('/twilio/messaging/inbound', params)).status === 200,
      30_000,
    );
    await eventually('the reply', () => system.twilio.sentMessages({ to: from }).length === 1, 30_000);
  }, 90_000);
});
