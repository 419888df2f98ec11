// `npm run dev`: the whole system on one machine — Temporal dev server (UI on 8233), FerretDB,
// the gateway, the orchestrator worker and the realtime worker. Whatever the configuration (environment
// and BELUGA_CONFIG_FILE) leaves without credentials — Twilio, Anthropic, AssemblyAI, TTS — is emulated
// locally (a sandbox) so the system can be tried at once: `npm run text` texts it, `npm run call`
// places a simulated phone call (`--to` picks one of the numbers, and so its agent). The operator
// console is built first and served by the gateway at /console (`npm run build:console` rebuilds it).
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { loadConfig, ConfigError } from '../src/config/load';
import { devAdminFile, seedDevAdmin } from '../devstack/dev-admin';
import { startProcess, type ManagedProcess } from '../devstack/child';
import { startFerretDb } from '../devstack/ferretdb';
import { isPortOpen } from '../devstack/free-port';
import { ensureGoTool, FERRETDB, TEMPORAL_CLI } from '../devstack/go-tools';
import { devDataDir, projectRoot } from '../devstack/paths';
import { startTemporalDevServer } from '../devstack/temporal-dev-server';
import { startSandbox, type Sandbox } from '../devstack/sandbox';
import { planSandbox } from '../devstack/sandbox-plan';

const say = (line: string) => process.stdout.write(`[dev] ${line}\n`);
const prefixed = (name: string, line: string) => process.stdout.write(`[${name}] ${line}\n`);

const processes: ManagedProcess[] = [];
let sandbox: Sandbox | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping...');
    // Project processes first (they drain work), then the servers they talk to.
    for (const proc of [...processes].reverse()) await proc.stop(15_000);
    await sandbox?.stop();
    say('stopped; no process left behind');
  }
  process.exit(code);
}

async function needFreePort(port: number, what: string, envHint: string): Promise<void> {
  if (await isPortOpen(port))
    throw new Error(
      `port ${port} (${what}) is already in use; stop what uses it, or set ${envHint} to use a server you already run`,
    );
}

/** `vite build console` into dist/console (the gateway's /console), in a child so its output is prefixed. */
async function buildConsole(): Promise<void> {
  const vite = path.join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const proc = startProcess(
    'console',
    process.execPath,
    [vite, 'build', 'console', '--logLevel', 'warn'],
    { cwd: projectRoot },
    prefixed,
  );
  processes.push(proc);
  const code = await proc.exited;
  processes.splice(processes.indexOf(proc), 1);
  if (code !== 0) throw new Error(`building the console failed (exit code ${code}); see the [console] lines above`);
  say('console built (dist/console)');
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Local development registers documents from local servers; production refuses them (SSRF).
  env.KNOWLEDGE_ALLOW_PRIVATE_URLS ??= 'true';
  // Fail fast, naming the bad setting, before starting anything (as the sandbox will complete the configuration).
  planSandbox(env);
  const dataDir = devDataDir();
  // Knowledge chunks (LanceDB) sit beside Temporal's and FerretDB's files.
  env.KNOWLEDGE_STORE_URI ??= path.join(dataDir, 'knowledge');
  const log = (line: string) => say(line);

  if (!env.TEMPORAL_ADDRESS) {
    await needFreePort(7233, 'Temporal', 'TEMPORAL_ADDRESS');
    await needFreePort(8233, 'Temporal UI', 'TEMPORAL_ADDRESS');
  }
  if (!env.MONGODB_URI) await needFreePort(27017, 'FerretDB', 'MONGODB_URI');

  // Built while the servers start, so the gateway serves it from its first request.
  const consoleBuilt = buildConsole();
  consoleBuilt.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"

  const [temporalAddress, mongoUri] = await Promise.all([
    (async () => {
      if (env.TEMPORAL_ADDRESS) return env.TEMPORAL_ADDRESS;
      const binary = await ensureGoTool(TEMPORAL_CLI, log);
      const server = await startTemporalDevServer({
        binary,
        port: 7233,
        uiPort: 8233,
        dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
        sink: prefixed,
      });
      processes.push(server.process);
      // The console links each call to its workflow in the dev server's UI.
      env.TEMPORAL_UI_URL ??= server.uiUrl;
      return server.address;
    })(),
    (async () => {
      if (env.MONGODB_URI) return env.MONGODB_URI;
      const binary = await ensureGoTool(FERRETDB, log);
      const db = await startFerretDb({ binary, port: 27017, dataDir: path.join(dataDir, 'ferretdb'), sink: prefixed });
      processes.push(db.process);
      return db.uri;
    })(),
  ]);
  env.TEMPORAL_ADDRESS = temporalAddress;
  env.MONGODB_URI = mongoUri;
  await consoleBuilt;

  sandbox = await startSandbox(env, dataDir);
  Object.assign(env, sandbox.env);
  const config = loadConfig(env);

  for (const name of ['orchestrator', 'gateway', 'realtime']) {
    // One process per program (no tsx CLI wrapper in between), so signals reach it directly.
    const proc = startProcess(
      name,
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'workers', `${name}.ts`)],
      { env, cwd: projectRoot },
      prefixed,
    );
    processes.push(proc);
    void proc.exited.then((code) => {
      if (!stopping) {
        say(`${name} exited unexpectedly (code ${code}); stopping everything`);
        void shutdown(1);
      }
    });
  }

  const admin = await devAdmin(mongoUri, config.mongodb.database, dataDir);
  const gatewayUrl = `http://localhost:${config.port}`;
  say('');
  say(`gateway      ${gatewayUrl}   (health: ${gatewayUrl}/health)`);
  say(`console      ${gatewayUrl}/console/   ${admin}`);
  say(`public URL   ${config.publicUrl}   (Twilio signs webhooks against this; set PUBLIC_URL to your tunnel)`);
  say(`realtime     ws://localhost:${config.realtimePort}/twilio/media-stream`);
  say(`temporal     ${temporalAddress}${process.env.TEMPORAL_ADDRESS ? '' : '   UI: http://localhost:8233'}`);
  say(`mongodb      ${mongoUri}`);
  for (const line of sandbox.describe()) say(line);
  say('Ctrl-C stops everything.');
}

/** Seeds the console's dev admin when the database has none; says how to sign in. */
async function devAdmin(mongoUri: string, database: string, dataDir: string): Promise<string> {
  const mongo = await MongoClient.connect(mongoUri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const seeded = await seedDevAdmin(mongo.db(database), dataDir);
    return seeded
      ? `sign in as ${seeded.email}, password ${seeded.password} (kept in ${devAdminFile(dataDir)})`
      : '(sign in with your operator; `npm run operator -- add …` makes one)';
  } finally {
    await mongo.close();
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `[dev] ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  await shutdown(1);
});
