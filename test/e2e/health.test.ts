import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Client, type Connection } from '@temporalio/client';
import { probeConnection } from '../../src/health/checks';
import { MongoClient } from 'mongodb';
import { createGatewayApp } from '../../src/gateway/app';
import { gatewayHealth } from '../../src/gateway/health';
import type { HealthReport } from '../../src/health/status';
import { createLogger } from '../../src/observability/logger';
import { createStores } from '../../src/storage/stores';
import {
  SECOND_ACCOUNT_SID,
  TEST_ACCOUNT_SID,
  eventually,
  inboundSms,
  startTestSystem,
  type TestSystem,
} from '../harness/system';
import { testStack } from '../harness/stack';
import { TcpPlug } from '../harness/tcp-plug';
import { connectCall } from '../harness/voice';

async function health(baseUrl: string): Promise<{ status: number; report: HealthReport; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${baseUrl}/health`);
  return { status: response.status, report: (await response.json()) as HealthReport, ms: Date.now() - started };
}

/** Polls /health until `match` holds, returning that answer (a timeout shows the last one). */
async function healthUntil(
  baseUrl: string,
  what: string,
  match: (answer: Awaited<ReturnType<typeof health>>) => boolean,
  timeoutMs = 20_000,
) {
  let last: unknown;
  try {
    return await eventually(
      what,
      async () => {
        const answer = await health(baseUrl);
        last = answer;
        return match(answer) && answer;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last answer: ${JSON.stringify(last)}`);
  }
}

/**
 * Twilio is asked on every /health here (no cache), 429s count for 3 s, and tasks left waiting 2 s
 * mean nobody polls: the production defaults (60 s, 5 min, 30 s) would make this file slow.
 */
const HEALTH_OPTIONS = {
  twilioCacheMs: 0,
  rateLimitWindowMs: 3_000,
  taskQueue: { pollerStaleMs: 120_000, backlogStaleMs: 2_000 },
};

describe('/health tells the truth', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(
      {},
      {
        voice: true,
        secondAccount: true,
        health: HEALTH_OPTIONS,
      },
    );
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('gateway, orchestrator and realtime worker: healthy (200) when everything works', async () => {
    const gateway = await healthUntil(system.gatewayUrl, 'a healthy gateway', (a) => a.report.status === 'healthy');
    expect(gateway.status).toBe(200);
    expect(Object.keys(gateway.report.checks).sort()).toEqual(
      ['config', 'knowledge', 'mongodb', 'taskQueue', 'temporal', 'twilio', 'twilioRateLimits'].sort(),
    );
    // No embedding provider is the sandbox's setup: said, and still healthy.
    const lexicalOnly = 'lexical only: no embedding provider configured (KNOWLEDGE_EMBEDDINGS)';
    expect(gateway.report.checks.knowledge!.detail).toMatch(/^store reachable \(\d+ chunks\); /);
    expect(gateway.report.checks.knowledge!.detail).toContain(lexicalOnly);
    for (const check of Object.values(gateway.report.checks)) expect(check.status).toBe('ok');
    expect(gateway.report.checks.twilio!.detail).toBe('2 account(s): credentials valid');
    // The account check is a GET of the account resource, made with each account's own credentials.
    expect(
      system.twilio.requestsMatching({ method: 'GET', path: `/Accounts/${SECOND_ACCOUNT_SID}.json` }).length,
    ).toBeGreaterThan(0);

    const orchestrator = await healthUntil(
      system.orchestratorUrl,
      'a healthy orchestrator',
      (a) => a.report.status === 'healthy',
    );
    expect(orchestrator.status).toBe(200);
    expect(orchestrator.report.checks.worker).toEqual({ status: 'ok', detail: 'the worker is polling' });
    expect(orchestrator.report.checks.llm!.status).toBe('ok');
    expect(orchestrator.report.checks.knowledge).toEqual({
      status: 'ok',
      detail: expect.stringContaining(lexicalOnly) as string,
    });

    const realtime = await health(system.realtimeUrl);
    expect(realtime.status).toBe(200);
    expect(realtime.report.status).toBe('healthy');
    expect(Object.keys(realtime.report.checks).sort()).toEqual([
      'capacity',
      'llm',
      'mongodb',
      'stt',
      'temporal',
      'tts',
    ]);
    expect(realtime.report.checks.capacity).toEqual({ status: 'ok', detail: '0 of 100 calls' });
  });

  it('realtime worker: counts its live calls', async () => {
    system.stt.script([]);
    const call = await connectCall(system, { remote: '+16285550901' });
    try {
      await healthUntil(
        system.realtimeUrl,
        'one live call',
        (a) => a.report.checks.capacity?.detail === '1 of 100 calls',
      );
    } finally {
      await call.caller.hangup();
    }
    await healthUntil(
      system.realtimeUrl,
      'the call gone',
      (a) => a.report.checks.capacity?.detail === '0 of 100 calls',
    );
  });

  it('a rejected Twilio token: degraded naming the account while another works, unhealthy (503) when none does', async () => {
    const tokens = Object.fromEntries(system.config.get().twilio.accounts.map((a) => [a.accountSid, a.authToken]));
    try {
      system.twilio.addAccount(SECOND_ACCOUNT_SID, 'rotated-at-twilio-0123456789abcd');
      const one = await healthUntil(system.gatewayUrl, 'degraded', (a) => a.report.checks.twilio?.status !== 'ok');
      expect(one.status).toBe(200);
      expect(one.report.status).toBe('degraded');
      expect(one.report.checks.twilio).toEqual({
        status: 'degraded',
        detail: `account second (${SECOND_ACCOUNT_SID}): Twilio rejected the credentials (401)`,
      });

      system.twilio.addAccount(TEST_ACCOUNT_SID, 'rotated-at-twilio-too-0123456789');
      const both = await healthUntil(system.gatewayUrl, 'unhealthy', (a) => a.report.checks.twilio?.status === 'down');
      expect(both.status).toBe(503);
      expect(both.report.status).toBe('unhealthy');
      expect(both.report.checks.twilio!.detail).toContain(`account default (${TEST_ACCOUNT_SID}): Twilio rejected`);
      const orchestrator = await health(system.orchestratorUrl);
      expect([orchestrator.status, orchestrator.report.checks.twilio?.status]).toEqual([503, 'down']);
      // No secret in what an unauthenticated endpoint shows.
      for (const text of [JSON.stringify(both.report), JSON.stringify(orchestrator.report)])
        for (const token of Object.values(tokens)) expect(text).not.toContain(token);
    } finally {
      for (const [sid, token] of Object.entries(tokens)) system.twilio.addAccount(sid, token);
    }
    await healthUntil(system.gatewayUrl, 'healthy again', (a) => a.report.status === 'healthy');
  });

  it('Twilio answering 429: degraded (200), naming the account, until the window passes', async () => {
    system.twilio.faults.failNext(2, 'rate-limit', {
      method: 'POST',
      path: '/api/2010-04-01/Accounts/*/Messages.json',
    });
    expect((await system.webhook('/twilio/messaging/inbound', inboundSms('+16285550902', 'hello'))).status).toBe(200);
    // The reply's send is throttled (and retried by Temporal); both processes saw it here (one process in tests).
    const gateway = await healthUntil(
      system.gatewayUrl,
      'rate limiting seen',
      (a) => a.report.checks.twilioRateLimits?.status === 'degraded',
    );
    expect(gateway.status).toBe(200);
    expect(gateway.report.status).toBe('degraded');
    expect(gateway.report.checks.twilioRateLimits!.detail).toMatch(
      new RegExp(`account default \\(${TEST_ACCOUNT_SID}\\): [12] × 429`),
    );
    const orchestrator = await health(system.orchestratorUrl);
    expect(orchestrator.status).toBe(200);
    await eventually('the reply sent after all', () => system.twilio.sentMessages({ to: '+16285550902' }).length === 1);
    await healthUntil(system.gatewayUrl, 'the window passed', (a) => a.report.status === 'healthy');
  });

  describe('Temporal or MongoDB unreachable', () => {
    const stack = testStack();
    const log = createLogger('test', 'silent');
    let temporalPlug: TcpPlug;
    let mongoPlug: TcpPlug;
    /** Accepts connections and never answers: a host that went silent, the case a probe timeout is for. */
    let blackHole: net.Server;
    let blackHoleAddress: string;
    const held = new Set<net.Socket>();
    let connection: Connection;
    let mongo: MongoClient;
    let server: http.Server;
    let url: string;

    // A second gateway on the same data, reaching Temporal and MongoDB through plugs the test pulls.
    beforeAll(async () => {
      temporalPlug = new TcpPlug(TcpPlug.targetOf(stack.temporalAddress));
      mongoPlug = new TcpPlug(TcpPlug.targetOf(stack.mongoUri));
      blackHole = net.createServer((socket) => {
        held.add(socket.on('error', () => undefined));
      });
      await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      blackHoleAddress = `127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
      const [temporalAddress, mongoAddress] = await Promise.all([temporalPlug.start(), mongoPlug.start()]);
      connection = probeConnection(temporalAddress);
      mongo = new MongoClient(`mongodb://${mongoAddress}/?directConnection=true&serverSelectionTimeoutMS=1000`);
      const app = createGatewayApp({
        config: system.config,
        temporal: new Client({ connection, namespace: system.config.get().temporal.namespace }),
        temporalConnection: connection,
        mongo,
        stores: createStores(mongo.db(system.config.get().mongodb.database)),
        log,
        health: HEALTH_OPTIONS,
      });
      server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([temporalPlug.stop(), mongoPlug.stop()]);
      for (const socket of held) socket.destroy();
      blackHole.close();
      await Promise.allSettled([connection.close(), mongo.close()]);
    });

    it('through the plugs it is healthy', async () => {
      await healthUntil(url, 'healthy through the plugs', (a) => a.report.status === 'healthy');
    });

    it('Temporal unplugged: degraded (webhooks go to the durable inbox), and healthy again when it returns', async () => {
      await temporalPlug.unplug();
      try {
        const answer = await healthUntil(url, 'Temporal down', (a) => a.report.checks.temporal?.status === 'down');
        expect(answer.status).toBe(200);
        expect(answer.report.status).toBe('degraded');
        expect(answer.report.checks.mongodb!.status).toBe('ok');
        expect(answer.ms).toBeLessThan(4_000);
      } finally {
        await temporalPlug.plug();
      }
      await healthUntil(url, 'Temporal back', (a) => a.report.status === 'healthy', 30_000);
    });

    it('MongoDB unplugged: unhealthy (503), and healthy again when it returns', async () => {
      await mongoPlug.unplug();
      try {
        const answer = await healthUntil(url, 'MongoDB down', (a) => a.report.checks.mongodb?.status === 'down');
        expect(answer.status).toBe(503);
        expect(answer.report.status).toBe('unhealthy');
        expect(answer.report.checks.temporal!.status).toBe('ok');
        expect(answer.ms).toBeLessThan(4_000);
      } finally {
        await mongoPlug.plug();
      }
      await healthUntil(url, 'MongoDB back', (a) => a.report.status === 'healthy', 30_000);
    });

    it('Temporal and MongoDB both silent (accepting, never answering): still answers within about 2 s', async () => {
      const silentTemporal = probeConnection(blackHoleAddress);
      const silentMongo = new MongoClient(`mongodb://${blackHoleAddress}/?directConnection=true`);
      try {
        const started = Date.now();
        const report = await gatewayHealth(
          { config: system.config, temporal: silentTemporal, mongo: silentMongo },
          HEALTH_OPTIONS,
        )();
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(report.status).toBe('unhealthy');
        expect(report.checks.temporal).toEqual({ status: 'down', detail: 'no answer within 1500 ms' });
        expect(report.checks.mongodb).toEqual({ status: 'down', detail: 'no answer within 1500 ms' });
      } finally {
        await Promise.allSettled([silentTemporal.close(), silentMongo.close()]);
      }
    });
  });

  it('no orchestrator polling: the gateway is degraded (200, webhooks still accepted), the orchestrator unhealthy (503)', async () => {
    await system.stopWorker();
    try {
      // Work nobody takes: the webhook is still accepted, its workflow task waits on the queue.
      expect(
        (await system.webhook('/twilio/messaging/inbound', inboundSms('+16285550903', 'anyone there?'))).status,
      ).toBe(200);
      const gateway = await healthUntil(
        system.gatewayUrl,
        'no pollers noticed',
        (a) => a.report.checks.taskQueue?.status === 'down',
      );
      expect(gateway.status).toBe(200);
      expect(gateway.report.status).toBe('degraded');
      expect(gateway.report.checks.taskQueue!.detail).toMatch(/workflow tasks waiting \d+ s .*nobody takes them/);
      const orchestrator = await health(system.orchestratorUrl);
      expect(orchestrator.status).toBe(503);
      expect(orchestrator.report.checks.worker).toEqual({ status: 'down', detail: 'the worker is not started' });
    } finally {
      await system.startWorker();
    }
    await eventually(
      'the waiting message answered',
      () => system.twilio.sentMessages({ to: '+16285550903' }).length === 1,
    );
    await healthUntil(system.gatewayUrl, 'polled again', (a) => a.report.status === 'healthy', 30_000);
  });
});
