import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import { EventLog } from '../../src/events/event-log';
import { createTwilioClient } from '../../src/telephony/twilio/client';
import { WebhookDeliveryLog } from '../../src/webhooks/delivery-log';
import { verifyWebhookSignature } from '../../src/webhooks/signature';
import { textReply } from '../../devstack/emulators/anthropic';
import type { RecordedRequest } from '../../devstack/emulators/anthropic/types';
import { closeNow } from '../../devstack/emulators/shared/listen';
import type { WebhookParams } from '../../devstack/emulators/twilio/webhook-sender';
import type { escalateNegativeMessageWorkflow } from '../../workflows/custom/escalate-negative-message';
import type { DeliverWebhookWorkflow } from '../../workflows/deliver-webhook/contract';
import {
  AGENT_NUMBER,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';

const ON_CALL = '+15005550199';
const MANAGER = '+15005550177';
const SECRET = 'whsec-test-0123456789abcdef';

const phonePrefix = `+1415${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
let phoneCounter = 0;
/** Customer workflows are shared across test files on one server: every test gets its own numbers. */
function uniquePhone(): string {
  phoneCounter++;
  return `${phonePrefix}${String(phoneCounter).padStart(4, '0')}`;
}

/** The MessageSid of an inbound webhook built by `inboundSms`. */
function sid(params: WebhookParams): string {
  return String(params.MessageSid);
}

function callSid(): string {
  return 'CA' + (Date.now().toString(16) + Math.random().toString(16).slice(2) + '0'.repeat(32)).slice(0, 32);
}

interface Receiver {
  url: string;
  deliveries: Array<{ body: string; headers: http.IncomingHttpHeaders; at: number; status: number }>;
  close(): Promise<void>;
}

/** A user's HTTP endpoint: answers each request with what `answer` says (status, after a delay). */
async function startReceiver(
  answer: (n: number, body: string) => { status: number; delayMs?: number; json?: unknown },
): Promise<Receiver> {
  const deliveries: Receiver['deliveries'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const { status, delayMs, json } = answer(deliveries.length, body);
      deliveries.push({ body, headers: req.headers, at: Date.now(), status });
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json ?? {}));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    close: () => closeNow(server),
  };
}

/** The example CRM: `GET /customers/<phone>` answers from the directory (500 for 'broken' entries). */
async function startCrm(
  directory: Map<string, { name: string; tier: string; routeTo: string } | 'broken'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const entry = directory.get(decodeURIComponent((req.url ?? '').replace(/^\/customers\//, '')));
    if (entry === 'broken') res.writeHead(500).end('{"error":"database down"}');
    else if (!entry) res.writeHead(404).end('{}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeNow(server) };
}

/** Every message down a Temporal failure's cause chain. */
function causeChain(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(' <- ');
}

function isSentimentRequest(request: RecordedRequest): boolean {
  return JSON.stringify(request.messages).includes('Classify the sentiment');
}

/** The model: sentiment by keyword; every other request (the agent's SMS replies) gets a short answer. */
function scriptModel(system: TestSystem): void {
  system.anthropic.setResponder((request) => {
    if (!isSentimentRequest(request)) return textReply('Thanks for your message.');
    return textReply(/terrible|awful|angry/i.test(JSON.stringify(request.messages)) ? 'negative' : 'positive');
  });
}

function writeConfig(file: string, config: Record<string, unknown>): void {
  // Write-then-rename, as editors do: the watcher never reads half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(config));
  fs.renameSync(`${file}.tmp`, file);
}

describe('event-driven workflows', () => {
  let system: TestSystem;
  let crm: { url: string; close(): Promise<void> };
  let dir: string;
  let configFile: string;
  const crmDirectory = new Map<string, { name: string; tier: string; routeTo: string } | 'broken'>();

  const baseConfig = () => ({
    custom: { crmUrl: crm.url },
    events: {
      bindings: [
        {
          name: 'sentiment',
          events: ['message.received'],
          workflow: 'escalateNegativeMessageWorkflow',
          filter: { 'data.channel': ['sms', 'whatsapp'] },
        },
        {
          name: 'route-answered',
          events: ['call.answered'],
          workflow: 'routeAnsweredCallWorkflow',
          filter: { account: 'default' },
        },
      ],
    },
  });

  beforeAll(async () => {
    crm = await startCrm(crmDirectory);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-events-'));
    configFile = path.join(dir, 'beluga.json');
    writeConfig(configFile, baseConfig());
    system = await startTestSystem({ BELUGA_CONFIG_FILE: configFile, ESCALATION_ON_CALL_NUMBER: ON_CALL });
    scriptModel(system);
  });

  afterAll(async () => {
    await system?.stop();
    await crm?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A call that is live at "Twilio" (the emulator), so a transfer has something to update. */
  async function liveCall(from: string): Promise<string> {
    const account = system.config.get().twilio.accounts[0]!;
    const rest = createTwilioClient({
      accountSid: account.accountSid,
      authToken: account.authToken,
      apiBaseUrl: account.apiBaseUrl,
      timeoutMs: 5000,
    });
    return (await rest.calls.create({ to: AGENT_NUMBER, from, twiml: '<Response><Pause length="60"/></Response>' }))
      .sid;
  }

  /** A bound workflow's result: it is started by the event's router moments after the webhook. */
  async function resultOf<W extends Workflow>(workflowId: string): Promise<WorkflowResultType<W>> {
    const handle = system.temporal.workflow.getHandle<W>(workflowId);
    await eventually(
      `workflow ${workflowId} to start`,
      () =>
        handle.describe().then(
          () => true,
          () => false,
        ),
      10_000,
    );
    return handle.result();
  }

  function answered(sid: string, from: string) {
    return system.webhook('/twilio/voice/status', {
      CallSid: sid,
      AccountSid: TEST_ACCOUNT_SID,
      CallStatus: 'in-progress',
      From: from,
      To: AGENT_NUMBER,
      Direction: 'inbound',
      SequenceNumber: '2',
      CallbackSource: 'call-progress-events',
    });
  }

  const sentimentRequests = () => system.anthropic.requests.filter(isSentimentRequest);

  it('escalates a negative SMS through the on-call number, and not a positive one', async () => {
    const angry = uniquePhone();
    const happy = uniquePhone();
    const negative = inboundSms(angry, 'This is terrible, I was charged twice!');
    const positive = inboundSms(happy, 'Thanks, all good now');
    expect((await system.webhook('/twilio/messaging/inbound', negative)).status).toBe(200);
    expect((await system.webhook('/twilio/messaging/inbound', positive)).status).toBe(200);

    const escalated = await resultOf<typeof escalateNegativeMessageWorkflow>(
      `sentiment-message.received:${sid(negative)}`,
    );
    expect(escalated).toEqual({ sentiment: 'negative', escalated: true });
    const calm = await resultOf<typeof escalateNegativeMessageWorkflow>(`sentiment-message.received:${sid(positive)}`);
    expect(calm).toEqual({ sentiment: 'positive', escalated: false });

    const pages = system.twilio.sentMessages({ to: ON_CALL });
    expect(pages.filter((m) => m.body.includes(angry))).toHaveLength(1);
    expect(pages.filter((m) => m.body.includes(happy))).toHaveLength(0);
    expect(pages.find((m) => m.body.includes(angry))?.from).toBe(AGENT_NUMBER);
    // The event the workflow received is the typed, versioned one from the event log.
    const [logged] = (await new EventLog(system.db).list({ type: 'message.received' }, 500)).filter(
      (e) => e.data.messageSid === sid(negative),
    );
    expect(logged).toMatchObject({
      version: 1,
      source: 'twilio',
      accountSid: TEST_ACCOUNT_SID,
      data: { channel: 'sms', from: angry, body: negative.Body },
    });
  });

  it('routes an answered call to the account manager the CRM names, and leaves unknown callers with the agent', async () => {
    const vip = uniquePhone();
    const stranger = uniquePhone();
    crmDirectory.set(vip, { name: 'Dana', tier: 'gold', routeTo: MANAGER });
    const [vipSid, strangerSid] = await Promise.all([liveCall(vip), liveCall(stranger)]);
    expect((await answered(vipSid, vip)).status).toBe(204);
    expect((await answered(strangerSid, stranger)).status).toBe(204);
    expect(await resultOf(`route-answered-call.answered:${vipSid}`)).toEqual({ routedTo: MANAGER });
    expect(await resultOf(`route-answered-call.answered:${strangerSid}`)).toEqual({});
    const [transfer] = system.twilio.callModifications(vipSid);
    expect(transfer?.twiml).toContain(`<Dial>${MANAGER}</Dial>`);
    expect(system.twilio.callModifications(strangerSid)).toHaveLength(0);
  });

  it('starts exactly one workflow per event when many arrive at once, and none for duplicates', async () => {
    const before = sentimentRequests().length;
    const messages = Array.from({ length: 12 }, (_, i) => inboundSms(uniquePhone(), `hello number ${i}`));
    // Every webhook is delivered twice, concurrently (Twilio retries and duplicate deliveries).
    const answers = await Promise.all(
      [...messages, ...messages].map((m) => system.webhook('/twilio/messaging/inbound', m)),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const results = await Promise.all(
      messages.map((m) => resultOf<typeof escalateNegativeMessageWorkflow>(`sentiment-message.received:${sid(m)}`)),
    );
    expect(results.map((r) => r.sentiment)).toEqual(results.map(() => 'positive'));
    // One model call per event: no workflow ran twice.
    await new Promise((r) => setTimeout(r, 500));
    expect(sentimentRequests().length - before).toBe(messages.length);
    for (const m of messages.slice(0, 3)) {
      const runs = [];
      for await (const run of system.temporal.workflow.list({
        query: `WorkflowId = 'sentiment-message.received:${sid(m)}'`,
      }))
        runs.push(run);
      expect(runs.length).toBeLessThanOrEqual(1);
    }
  });

  it('records a throwing workflow as failed with its error, emits workflow.failed, and leaves the others alone', async () => {
    const broken = uniquePhone();
    const fine = uniquePhone();
    crmDirectory.set(broken, 'broken');
    crmDirectory.set(fine, { name: 'Sam', tier: 'silver', routeTo: MANAGER });
    const [brokenSid, fineSid] = await Promise.all([liveCall(broken), liveCall(fine)]);
    await Promise.all([answered(brokenSid, broken), answered(fineSid, fine)]);
    const failure = await resultOf(`route-answered-call.answered:${brokenSid}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(causeChain(failure)).toContain('CRM answered HTTP 500');
    const failedEvent = await eventually('workflow.failed event', async () =>
      (await new EventLog(system.db).list({ type: 'workflow.failed' }, 500)).find(
        (e) => e.data.eventId === `call.answered:${brokenSid}`,
      ),
    );
    expect(failedEvent.data).toMatchObject({
      workflowType: 'routeAnsweredCallWorkflow',
      binding: 'route-answered',
      workflowId: `route-answered-call.answered:${brokenSid}`,
    });
    expect(String(failedEvent.data.error)).toContain('CRM answered HTTP 500');
    // The other call, answered at the same moment, was routed as usual.
    expect(await resultOf(`route-answered-call.answered:${fineSid}`)).toEqual({ routedTo: MANAGER });
    expect(system.twilio.callModifications(fineSid)).toHaveLength(1);
  });

  it('reports a binding to a workflow that does not exist as workflow.failed instead of hanging', async () => {
    writeConfig(configFile, {
      ...baseConfig(),
      events: {
        bindings: [
          ...baseConfig().events.bindings,
          { name: 'typo', events: ['message.received'], workflow: 'noSuchWorkflow' },
        ],
      },
    });
    expect(system.config.reload()).toBeUndefined();
    try {
      const message = inboundSms(uniquePhone(), 'hi');
      expect((await system.webhook('/twilio/messaging/inbound', message)).status).toBe(200);
      const event = await eventually('workflow.failed for the typo', async () =>
        (await new EventLog(system.db).list({ type: 'workflow.failed' }, 500)).find(
          (e) => e.data.eventId === `message.received:${sid(message)}`,
        ),
      );
      expect(String(event.data.error)).toContain('no workflow named "noSuchWorkflow"');
    } finally {
      writeConfig(configFile, baseConfig());
      system.config.reload();
    }
  });

  it('applies a binding added to the configuration file without a restart', async () => {
    writeConfig(configFile, { ...baseConfig(), events: { bindings: [] } });
    system.config.reload();
    const before = inboundSms(uniquePhone(), 'This is awful');
    await system.webhook('/twilio/messaging/inbound', before);
    system.config.watch(50);
    writeConfig(configFile, baseConfig());
    await eventually(
      'the watcher to load the new bindings',
      () => system.config.get().events.bindings.length === 2,
      5000,
    );
    const after = inboundSms(uniquePhone(), 'This is awful');
    await system.webhook('/twilio/messaging/inbound', after);
    expect(await resultOf<typeof escalateNegativeMessageWorkflow>(`sentiment-message.received:${sid(after)}`)).toEqual({
      sentiment: 'negative',
      escalated: true,
    });
    await expect(
      system.temporal.workflow
        .getHandle<typeof escalateNegativeMessageWorkflow>(`sentiment-message.received:${sid(before)}`)
        .describe(),
    ).rejects.toThrow(/not found/i);
  });

  describe('outgoing webhooks', () => {
    it('delivers exactly once, signed, to a receiver that fails with 500 a few times first', async () => {
      const receiver = await startReceiver((n) => ({ status: n < 3 ? 500 : 200 }));
      try {
        writeConfig(configFile, {
          ...baseConfig(),
          webhooks: {
            subscribers: [
              {
                name: 'crm-sync',
                url: receiver.url,
                secret: SECRET,
                events: ['call.completed'],
                initialBackoffMs: 100,
                maxBackoffMs: 400,
              },
            ],
          },
        });
        system.config.reload();
        const sid = callSid();
        await system.webhook('/twilio/voice/status', {
          CallSid: sid,
          AccountSid: TEST_ACCOUNT_SID,
          CallStatus: 'completed',
          From: uniquePhone(),
          To: AGENT_NUMBER,
          Direction: 'inbound',
          CallDuration: '42',
        });
        const result = await resultOf<DeliverWebhookWorkflow>(`webhook-crm-sync-call.completed:${sid}`);
        expect(result).toMatchObject({ delivered: true, attempts: 4, status: 200 });
        const accepted = receiver.deliveries.filter((d) => d.status === 200);
        expect(accepted).toHaveLength(1);
        expect(receiver.deliveries).toHaveLength(4);
        const [ok] = accepted;
        expect(verifyWebhookSignature(SECRET, ok!.body, ok!.headers['beluga-signature'] as string)).toBe(true);
        expect(
          verifyWebhookSignature('wrong-secret-0123456789', ok!.body, ok!.headers['beluga-signature'] as string),
        ).toBe(false);
        expect(JSON.parse(ok!.body)).toMatchObject({
          id: `call.completed:${sid}`,
          type: 'call.completed',
          version: 1,
          data: { callSid: sid, duration: 42 },
        });
        expect(ok!.headers['beluga-delivery-id']).toBe(`crm-sync:call.completed:${sid}`);
        const log = await new WebhookDeliveryLog(system.db).list({ deliveryId: `crm-sync:call.completed:${sid}` });
        expect(log.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([
          [1, 'failed', 500],
          [2, 'failed', 500],
          [3, 'failed', 500],
          [4, 'delivered', 200],
        ]);
        // Backoff: attempts are spaced out, growing.
        const gaps = receiver.deliveries.slice(1).map((d, i) => d.at - receiver.deliveries[i]!.at);
        expect(gaps.every((g) => g >= 40)).toBe(true);
      } finally {
        await receiver.close();
      }
    });

    it('gives up on a dead receiver at the deadline with a logged final failure, without delaying a healthy one', async () => {
      const dead = await startReceiver(() => ({ status: 503 }));
      const slow = await startReceiver(() => ({ status: 200, delayMs: 3000 }));
      const healthy = await startReceiver(() => ({ status: 204 }));
      try {
        writeConfig(configFile, {
          ...baseConfig(),
          webhooks: {
            subscribers: [
              {
                name: 'dead',
                url: dead.url,
                secret: SECRET,
                events: ['message.received'],
                initialBackoffMs: 200,
                maxBackoffMs: 500,
                deadlineSeconds: 3,
              },
              { name: 'slow', url: slow.url, secret: SECRET, events: ['message.received'], timeoutMs: 10000 },
              { name: 'healthy', url: healthy.url, secret: SECRET, events: ['message.received'] },
            ],
          },
        });
        system.config.reload();
        const message = inboundSms(uniquePhone(), 'ping');
        const sentAt = Date.now();
        await system.webhook('/twilio/messaging/inbound', message);
        await eventually('the healthy receiver', () => healthy.deliveries.length === 1, 5000);
        expect(healthy.deliveries[0]!.at - sentAt).toBeLessThan(2000);
        const failure = await resultOf(`webhook-dead-message.received:${sid(message)}`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        const log = await new WebhookDeliveryLog(system.db).list({
          deliveryId: `dead:message.received:${sid(message)}`,
        });
        const final = log.at(-1)!;
        expect(final.outcome).toBe('gave_up');
        expect(final.error).toContain('HTTP 503');
        expect(log.filter((a) => a.outcome === 'failed').length).toBeGreaterThanOrEqual(2);
        await eventually('the slow receiver', () => slow.deliveries.length === 1, 8000);
      } finally {
        writeConfig(configFile, baseConfig());
        system.config.reload();
        await Promise.all([dead.close(), slow.close(), healthy.close()]);
      }
    });
  });
});
