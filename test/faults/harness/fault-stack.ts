import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { freePort } from '../../../devstack/free-port';
import { sendTwilioWebhook } from '../../../devstack/emulators/twilio';
import type { WebhookParams, WebhookResponse } from '../../../devstack/emulators/twilio/webhook-sender';
import { FAULT_AUTH_TOKEN, startFaultEmulators, type FaultEmulators } from './emulators';
import { ferretDbServer, temporalServer, type RestartableServer } from './servers';
import { launchWorker, ServiceProcess } from './service-process';

/** Twilio signs the URL it called: the gateway sits "behind a tunnel" at this address. */
const FAULT_PUBLIC_URL = 'https://beluga-faults.example.com';
export const FAULT_AGENT_NUMBER = '+15005550006';

export interface FaultStackOptions {
  /** Realtime workers to run, each on its own port (default 1; 0 for a messaging-only stack). */
  realtimeWorkers?: number;
  /** Extra settings for every process (they win over the stack's). */
  env?: Record<string, string>;
}

/**
 * The whole platform as separate processes that a test can kill, stop and restart: its own Temporal dev server
 * and FerretDB (SQLite files in `dir`, so a restart keeps their state), the gateway, the orchestrator and N
 * realtime workers as real `node workers/<name>.ts` children, and the providers emulated in this process.
 */
export interface FaultStack extends Pick<FaultEmulators, 'twilio' | 'anthropic' | 'stt' | 'voiceNotes' | 'tts'> {
  /** Holds the servers' data files; removed by `stop()`. */
  dir: string;
  temporal: RestartableServer;
  mongo: RestartableServer;
  gateway: ServiceProcess;
  orchestrator: ServiceProcess;
  realtime: ServiceProcess[];
  /** `http://127.0.0.1:<port>` of the gateway (the same across restarts). */
  gatewayUrl: string;
  /** `ws://…/twilio/media-stream` through the gateway, as Twilio reaches it. */
  mediaStreamUrl: string;
  /** `http://127.0.0.1:<port>` of each realtime worker, in `realtime` order. */
  realtimeUrls: string[];
  /** The settings every platform process starts with. */
  env: Record<string, string>;
  /**
   * Posts a webhook signed as Twilio would (over FAULT_PUBLIC_URL + path). Network errors and Twilio's 15 s
   * timeout reject, as Twilio would see them.
   */
  webhook(path: string, params: WebhookParams, timeoutMs?: number): Promise<WebhookResponse>;
  /** The platform's database (short server-selection timeout, for use around outages). */
  db(): Db;
  /** A Temporal client that connects lazily (usable across a server restart). */
  temporalClient(): Client;
  stop(): Promise<void>;
}

/** Only what a Node process needs from the test's environment: no config leaks in from the developer's shell. */
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'XDG_CACHE_HOME', 'BELUGA_CACHE_DIR'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

async function answersHttp(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return true;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-faults-'));
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [temporal, mongo] = await Promise.all([temporalServer(dir), ferretDbServer(dir)]);
    const emulators = await startFaultEmulators();
    cleanups.push(() => emulators.stop());
    await Promise.all([temporal.start(), mongo.start()]);
    cleanups.push(
      () => temporal.stop(),
      () => mongo.stop(),
    );

    const gatewayPort = await freePort();
    const realtimePorts: number[] = [];
    for (let i = 0; i < (options.realtimeWorkers ?? 1); i++) realtimePorts.push(await freePort());
    const realtimeUrls = realtimePorts.map((port) => `http://127.0.0.1:${port}`);
    const env: Record<string, string> = {
      ...baseEnv(),
      ...emulators.env,
      LOG_LEVEL: 'info',
      PORT: String(gatewayPort),
      PUBLIC_URL: FAULT_PUBLIC_URL,
      TEMPORAL_ADDRESS: temporal.address,
      MONGODB_URI: mongo.address,
      MONGODB_DATABASE: 'beluga_faults',
      TWILIO_PHONE_NUMBERS: FAULT_AGENT_NUMBER,
      ...(realtimeUrls.length
        ? { REALTIME_INTERNAL_URL: realtimeUrls[0]!, REALTIME_INTERNAL_URLS: realtimeUrls.join(',') }
        : {}),
      ...options.env,
    };
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gateway = new ServiceProcess({
      name: 'gateway',
      launch: launchWorker('gateway', env),
      ready: () => answersHttp(`${gatewayUrl}/health`),
    });
    const orchestrator = new ServiceProcess({
      name: 'orchestrator',
      launch: launchWorker('orchestrator', env),
      // It serves no HTTP; it says when its worker polls (the first start also bundles the workflows).
      ready: (self) => Promise.resolve(self.logsSinceStart().some((l) => l.includes('orchestrator worker running'))),
    });
    const realtime = realtimePorts.map(
      (port, i) =>
        new ServiceProcess({
          name: `realtime-${i + 1}`,
          launch: launchWorker('realtime', { ...env, REALTIME_PORT: String(port) }),
          ready: () => answersHttp(`http://127.0.0.1:${port}/health`),
        }),
    );
    const processes = [orchestrator, gateway, ...realtime];
    cleanups.push(() => Promise.all(processes.map((p) => p.stop(5000))).then(() => undefined));
    await Promise.all(processes.map((p) => p.start()));

    let mongoClient: MongoClient | undefined;
    let temporalConnection: Connection | undefined;
    let client: Client | undefined;
    cleanups.push(async () => {
      await mongoClient?.close();
      await temporalConnection?.close();
    });
    return {
      dir,
      temporal,
      mongo,
      gateway,
      orchestrator,
      realtime,
      gatewayUrl,
      mediaStreamUrl: `${gatewayUrl.replace(/^http/, 'ws')}/twilio/media-stream`,
      realtimeUrls,
      env,
      twilio: emulators.twilio,
      anthropic: emulators.anthropic,
      stt: emulators.stt,
      voiceNotes: emulators.voiceNotes,
      tts: emulators.tts,
      webhook: (webhookPath, params, timeoutMs) =>
        sendTwilioWebhook({
          url: `${gatewayUrl}${webhookPath}`,
          publicUrl: `${FAULT_PUBLIC_URL}${webhookPath}`,
          authToken: FAULT_AUTH_TOKEN,
          params,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        }),
      db() {
        mongoClient ??= new MongoClient(mongo.address, { serverSelectionTimeoutMS: 5000 });
        return mongoClient.db(env.MONGODB_DATABASE);
      },
      temporalClient() {
        temporalConnection ??= Connection.lazy({ address: temporal.address });
        client ??= new Client({ connection: temporalConnection });
        return client;
      },
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
