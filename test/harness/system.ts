import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import { McpCatalogue } from '../../src/agents/mcp-tools';
import { ConfigStore } from '../../src/config/store';
import type { WhatsAppTemplates } from '../../src/config/schema';
import { browserCallsOf, createGatewayApp } from '../../src/gateway/app';
import { BROWSER_CALL_SOCKET_PATH, type BrowserCalls } from '../../src/gateway/browser-calls';
import { createWebhookIntake, type WebhookIntake } from '../../src/inbox/webhook-intake';
import { createLogger } from '../../src/observability/logger';
import { createOrchestratorWorker } from '../../src/orchestrator/worker';
import { workflowBundle } from './workflow-bundle';
import { attachMediaStreamProxy } from '../../src/gateway/media-stream-proxy';
import { freePort } from '../../devstack/free-port';
import { createMetrics } from '../../src/observability/metrics';
import { voiceProvidersFromConfig } from '../../src/realtime/providers';
import { createRealtimeServer, type RealtimeServer } from '../../src/realtime/server';
import { createStores } from '../../src/storage/stores';
import { visibleHits } from '../../src/knowledge/bases/visible-hits';
import { configuredEmbeddings, openKnowledge, type Knowledge } from '../../src/knowledge/knowledge';
import type { EmbeddingProvider } from '../../src/knowledge/types';
import { createHealthServer } from '../../src/health/http-server';
import type { HealthOptions } from '../../src/health/options';
import { orchestratorHealth } from '../../src/orchestrator/health';
import { realtimeHealth } from '../../src/realtime/health';
import { AssemblyAiStreamingEmulator, DEFAULT_STREAMING_API_KEY } from '../../devstack/emulators/assemblyai-streaming';
import { TtsEmulator } from '../../devstack/emulators/tts';
import { AnthropicEmulator } from '../../devstack/emulators/anthropic';
import { OpenAiEmulator } from '../../devstack/emulators/openai';
import { TwilioEmulator, sendTwilioWebhook } from '../../devstack/emulators/twilio';
import { VoyageEmulator } from '../../devstack/emulators/voyage';
import type { WebhookParams } from '../../devstack/emulators/twilio/webhook-sender';
import { testStack, uniqueName } from './stack';

export const TEST_ACCOUNT_SID = 'AC' + 'a1'.repeat(16);
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const AGENT_NUMBER = '+15005550006';
/** A second tenant, configured with `{ secondAccount: true }` (customers are per account). */
export const SECOND_ACCOUNT_SID = 'AC' + 'b2'.repeat(16);
const SECOND_AUTH_TOKEN = 'second-auth-token-0123456789abcd';
export const SECOND_AGENT_NUMBER = '+15005550007';
/** Twilio signs the URL it called; the gateway sits "behind a tunnel" at this address in tests. */
export const PUBLIC_URL = 'https://beluga-test.example.com';
export const OPERATOR_KEY = 'test-operator-key-0123456789';

/** The running system under test: gateway, orchestrator worker, emulators, on the shared stack. */
export interface TestSystem {
  gatewayUrl: string;
  /** `ws://…/twilio/media-stream` through the gateway (as Twilio reaches it), when started with voice. */
  mediaStreamUrl: string;
  /** The realtime worker's own HTTP address (/health, /metrics), when started with voice. */
  realtimeUrl: string;
  /** The orchestrator's /health and /metrics (its worker is the one startWorker/stopWorker control). */
  orchestratorUrl: string;
  /** Every realtime worker (`realtimeWorkers` of them, each on its own port; the gateway knows them all). */
  realtimes: RealtimeServer[];
  realtimeUrls: string[];
  /**
   * Realtime worker `index` drops off the network as a crash would: its listener closes and every
   * connection it holds is destroyed without a close frame (its sessions see their sockets die).
   */
  cutRealtime(index: number): void;
  /** Voice emulators (AssemblyAI streaming, TTS), when started with `{ voice: true }`. */
  stt: AssemblyAiStreamingEmulator;
  tts: TtsEmulator;
  twilio: TwilioEmulator;
  anthropic: AnthropicEmulator;
  /** An OpenAI-compatible endpoint (Chat Completions, no key needed, as Ollama), for agents whose model is one. */
  openai: OpenAiEmulator;
  /** The Voyage embeddings emulator, the knowledge layer's embedding provider when started with `{ embeddings: true }`. */
  voyage: VoyageEmulator;
  config: ConfigStore;
  /** The config file, when the system was started with one (edit it, then `config.reload()`). */
  configFile?: string;
  /** The orchestrator's MCP catalogue (connections and tool lists). */
  mcp: McpCatalogue;
  /**
   * The knowledge store the orchestrator, gateway and realtime workers share (in one process, as one
   * instance): a fresh temporary directory per system, removed on stop.
   */
  knowledge: Knowledge;
  db: Db;
  temporal: Client;
  /** Calls the operator API with the test key (and any extra headers, such as Idempotency-Key). */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Posts a signed Twilio webhook to the gateway, signed over the public URL. */
  webhook(
    path: string,
    params: WebhookParams,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string }>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stopGateway(): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /**
   * Run the gateway's inbox relay (default true, as in production); off for a test whose own gateway
   * on the same data must be the only one draining the inbox.
   */
  inboxRelay?: boolean;
  /** Also run the realtime worker with the AssemblyAI streaming and TTS emulators. */
  voice?: boolean;
  /** How many realtime workers run with `voice` (default 1); the gateway gets them all as REALTIME_INTERNAL_URLS. */
  realtimeWorkers?: number;
  /** Also configure a second Twilio account (SECOND_ACCOUNT_SID, number SECOND_AGENT_NUMBER) through a config file. */
  secondAccount?: boolean;
  /** The second account's approved WhatsApp templates (`whatsappTemplates` in its config file). */
  secondAccountTemplates?: WhatsAppTemplates;
  /** Pause between recording-retention sweeps (the orchestrator's default is an hour). */
  recordingRetentionSweepMs?: number;
  /**
   * What the config file holds (agents, tools, lines, bindings…), or a function of the emulators' addresses: an
   * agent's model can point at `openaiUrl` (the OpenAI-compatible emulator, `…/v1`). Merged with `secondAccount`'s account.
   */
  configFile?: Record<string, unknown> | ((emulators: { openaiUrl: string }) => Record<string, unknown>);
  /** Thresholds and cache times of the gateway's and orchestrator's /health. */
  health?: HealthOptions;
  /** Embed knowledge through the Voyage emulator (else search is lexical only, as with no provider configured). */
  embeddings?: boolean;
  /** The knowledge layer's embedding provider (a test double of the port), instead of the configured one. */
  embeddingProvider?: EmbeddingProvider;
}

const TEST_TTS_KEY = 'test-tts-key-0123456789';
const TEST_VOYAGE_KEY = 'test-voyage-key-0123456789';

export async function startTestSystem(
  env: Record<string, string> = {},
  options: TestSystemOptions = {},
): Promise<TestSystem> {
  const stack = testStack();
  const twilio = new TwilioEmulator({
    accounts: {
      [TEST_ACCOUNT_SID]: TEST_AUTH_TOKEN,
      ...(options.secondAccount ? { [SECOND_ACCOUNT_SID]: SECOND_AUTH_TOKEN } : {}),
    },
  });
  const anthropic = new AnthropicEmulator({ apiKey: 'test-anthropic-key' });
  const stt = new AssemblyAiStreamingEmulator();
  const tts = new TtsEmulator({ apiKey: TEST_TTS_KEY });
  const openai = new OpenAiEmulator();
  const voyage = new VoyageEmulator({ apiKey: TEST_VOYAGE_KEY });
  const [twilioUrl, anthropicUrl, openaiUrl] = await Promise.all([twilio.start(), anthropic.start(), openai.start()]);
  const realtimePorts: number[] = [];
  for (let i = 0; i < (options.voice ? (options.realtimeWorkers ?? 1) : 0); i++) realtimePorts.push(await freePort());
  const realtimePort = realtimePorts[0] ?? 0;
  const realtimeUrls = realtimePorts.map((port) => `http://127.0.0.1:${port}`);
  const voiceEnv = options.voice
    ? {
        ASSEMBLYAI_API_KEY: DEFAULT_STREAMING_API_KEY,
        ASSEMBLYAI_STREAMING_URL: await stt.start(),
        TTS_API_KEY: TEST_TTS_KEY,
        TTS_BASE_URL: await tts.start(),
        REALTIME_INTERNAL_URL: realtimeUrls[0]!,
        ...(realtimeUrls.length > 1 ? { REALTIME_INTERNAL_URLS: realtimeUrls.join(',') } : {}),
      }
    : {};
  if (options.embeddings) await voyage.start();
  const embeddingsEnv = options.embeddings
    ? {
        KNOWLEDGE_EMBEDDINGS: 'voyage',
        VOYAGE_API_KEY: TEST_VOYAGE_KEY,
        VOYAGE_BASE_URL: voyage.baseUrl,
        VOYAGE_DIMENSIONS: '512',
      }
    : {};
  const configFile = writeConfigFile(options, { openaiUrl });
  const knowledgeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-knowledge-'));
  const config = ConfigStore.load({
    KNOWLEDGE_STORE_URI: knowledgeDir,
    ...(configFile ? { BELUGA_CONFIG_FILE: configFile } : {}),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: uniqueName('tq'),
    MONGODB_URI: stack.mongoUri,
    MONGODB_DATABASE: uniqueName('db').replace(/-/g, '_'),
    PUBLIC_URL,
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_API_BASE_URL: twilioUrl,
    TWILIO_PHONE_NUMBERS: AGENT_NUMBER,
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: anthropicUrl,
    OPERATOR_API_KEY: OPERATOR_KEY,
    // Documents registered by URL in tests are served from loopback.
    KNOWLEDGE_ALLOW_PRIVATE_URLS: 'true',
    ...voiceEnv,
    ...embeddingsEnv,
    ...env,
  });
  const mongo = await MongoClient.connect(stack.mongoUri);
  const db = mongo.db(config.get().mongodb.database);
  const stores = createStores(db);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection, namespace: config.get().temporal.namespace });
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const log = createLogger('test', 'silent');
  const mcp = new McpCatalogue({ config, log });
  const knowledge = await openKnowledge(config.get().knowledge, {
    log,
    embeddings: options.embeddingProvider ?? configuredEmbeddings(config.get().knowledge),
    visibleHits: (hits) => visibleHits(stores.documents, hits),
  });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let server: http.Server | undefined;
  let intake: WebhookIntake | undefined;
  let gatewayUrl = '';
  const realtimes: RealtimeServer[] = [];
  const realtimeSockets = realtimePorts.map(() => new Set<Socket>());
  let mediaStreams: { closeAll(): void } | undefined;
  let browserCalls: BrowserCalls | undefined;
  for (const [i, port] of realtimePorts.entries()) {
    const realtime = createRealtimeServer({
      config,
      temporal,
      stores,
      providers: voiceProvidersFromConfig(config, log),
      mcp,
      knowledge,
      metrics: createMetrics(`test-realtime-${i}`),
      log,
      health: realtimeHealth({ config, temporal: connection, mongo }),
    });
    realtime.server.on('connection', (socket: Socket) => {
      realtimeSockets[i]!.add(socket);
      socket.on('close', () => realtimeSockets[i]!.delete(socket));
    });
    await new Promise<void>((resolve) => realtime.server.listen(port, '127.0.0.1', resolve));
    realtimes.push(realtime);
  }

  const orchestratorHealthServer = createHealthServer({
    report: orchestratorHealth(
      { config, temporal: connection, mongo, worker: () => worker, knowledge },
      options.health,
    ),
  });
  await new Promise<void>((resolve) => orchestratorHealthServer.listen(0, '127.0.0.1', resolve));

  const system: TestSystem = {
    get gatewayUrl() {
      return gatewayUrl;
    },
    realtimeUrl: `http://127.0.0.1:${realtimePort}`,
    orchestratorUrl: `http://127.0.0.1:${(orchestratorHealthServer.address() as AddressInfo).port}`,
    realtimes,
    realtimeUrls,
    cutRealtime(index) {
      realtimes[index]!.server.close();
      for (const socket of realtimeSockets[index]!) socket.destroy();
    },
    get mediaStreamUrl() {
      return `${gatewayUrl.replace(/^http/, 'ws')}/twilio/media-stream`;
    },
    stt,
    tts,
    twilio,
    anthropic,
    openai,
    voyage,
    config,
    ...(configFile ? { configFile } : {}),
    mcp,
    knowledge,
    db,
    temporal,
    async api(method, path, body, headers = {}) {
      const response = await fetch(`${gatewayUrl}/api${path}`, {
        method,
        headers: {
          'x-api-key': OPERATOR_KEY,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    async webhook(path, params, headers) {
      const response = await sendTwilioWebhook({
        url: `${gatewayUrl}${path}`,
        publicUrl: `${PUBLIC_URL}${path}`,
        authToken: params.AccountSid === SECOND_ACCOUNT_SID ? SECOND_AUTH_TOKEN : TEST_AUTH_TOKEN,
        params,
        headers,
      });
      return { status: response.status, body: response.body };
    },
    async startWorker() {
      worker = await createOrchestratorWorker({
        config,
        connection: nativeConnection,
        client: temporal,
        log,
        stores,
        mcp,
        knowledge,
        workflowBundle: await workflowBundle(),
        ...(options.recordingRetentionSweepMs !== undefined
          ? { recordingRetentionSweepMs: options.recordingRetentionSweepMs }
          : {}),
      });
      running = worker.run();
    },
    async stopWorker() {
      worker?.shutdown();
      await running;
      worker = undefined;
    },
    async startGateway() {
      // As workers/gateway.ts runs it: a webhook Temporal does not take within the deadline (a loaded
      // machine) waits in the inbox, and this gateway's relay hands it over.
      intake = createWebhookIntake({ config, temporal, temporalConnection: connection, stores, log });
      if (options.inboxRelay !== false) intake.relay.start();
      browserCalls = browserCallsOf({ config, temporal, mongo, log });
      const app = createGatewayApp({
        config,
        temporal,
        temporalConnection: connection,
        mongo,
        stores,
        log,
        intake,
        knowledge,
        browserCalls,
        ...(options.health ? { health: options.health } : {}),
      });
      server = http.createServer(app);
      mediaStreams = attachMediaStreamProxy(server, config, log, {
        [BROWSER_CALL_SOCKET_PATH]: browserCalls.upgrade,
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async stopGateway() {
      await intake?.relay.stop();
      intake = undefined;
      server?.closeAllConnections();
      browserCalls?.closeAll();
      mediaStreams?.closeAll();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
    async stop() {
      await system.stopGateway();
      await Promise.all(realtimes.map((r) => r.close()));
      await system.stopWorker();
      orchestratorHealthServer.closeAllConnections();
      await new Promise<void>((resolve) => orchestratorHealthServer.close(() => resolve()));
      await mcp.close();
      await knowledge.close();
      fs.rmSync(knowledgeDir, { recursive: true, force: true });
      await Promise.all([
        twilio.stop(),
        anthropic.stop(),
        openai.stop(),
        options.voice ? stt.stop() : undefined,
        options.voice ? tts.stop() : undefined,
        voyage.stop(),
      ]);
      await db.dropDatabase().catch(() => undefined);
      await Promise.all([mongo.close(), connection.close(), nativeConnection.close()]);
      config.close();
      if (configFile) fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
    },
  };
  await system.startGateway();
  await system.startWorker();
  return system;
}

/**
 * The config file of the options, if they ask for one: the test's own settings, plus the second account (the env
 * account, TWILIO_ACCOUNT_SID, joins the file's accounts as the first).
 */
function writeConfigFile(options: TestSystemOptions, emulators: { openaiUrl: string }): string | undefined {
  if (!options.secondAccount && !options.configFile) return undefined;
  const settings =
    typeof options.configFile === 'function' ? options.configFile(emulators) : (options.configFile ?? {});
  const twilio = (settings.twilio ?? {}) as { accounts?: unknown[] };
  const second = {
    name: 'second',
    accountSid: SECOND_ACCOUNT_SID,
    authToken: SECOND_AUTH_TOKEN,
    phoneNumbers: [SECOND_AGENT_NUMBER],
    ...(options.secondAccountTemplates ? { whatsappTemplates: options.secondAccountTemplates } : {}),
  };
  const accounts = [...(twilio.accounts ?? []), ...(options.secondAccount ? [second] : [])];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-config-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...settings, twilio: { ...twilio, accounts } }));
  return file;
}

/** Polls until `probe` returns a value (not undefined/false), or fails with `what` after the timeout. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let sidCounter = 0;
/** A realistic, unique message sid. */
export function messageSid(prefix: 'SM' | 'MM' = 'SM'): string {
  sidCounter++;
  return (
    prefix +
    (Date.now().toString(16) + sidCounter.toString(16).padStart(6, '0') + Math.random().toString(16).slice(2))
      .padEnd(32, '0')
      .slice(0, 32)
  );
}

export function inboundSms(from: string, body: string, extra: WebhookParams = {}): WebhookParams {
  const sid = messageSid();
  return {
    MessageSid: sid,
    SmsMessageSid: sid,
    SmsSid: sid,
    AccountSid: TEST_ACCOUNT_SID,
    From: from,
    To: AGENT_NUMBER,
    Body: body,
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    ...extra,
  };
}
