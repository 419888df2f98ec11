// `node --import tsx bench/voice-calls.ts [--levels 1,50,100,200] [--turns 3] [--mode zero|realistic|both]`
//   [--stagger-ms 20] [--spread-ms 1000] [--idle-ms 2000] [--quiet-ms 300] [--turn-timeout-ms 30000] [--seed 1]
//   [--viewers 0,20]
//
// Concurrent simulated phone calls on the real stack (Temporal dev server + FerretDB, gateway,
// realtime worker, orchestrator worker; STT/LLM/TTS/Twilio emulators). Every call connects like
// Twilio (signed webhooks, Media Stream through the gateway), waits for the greeting, holds N
// turns of 1–1.5 s of speech (each once the agent's previous reply has been heard to its end, plus
// up to 0.5 s), hangs up and sends the completed status callback. All calls of a level stay
// connected until the last turn of any of them (calls start --stagger-ms apart, first turns are
// spread over --spread-ms). Each level runs on a fresh system. Per level and mode it prints:
//   - the pipeline's own overhead per turn (the realtime worker's overheadMs: end of speech → first
//     audio minus STT, LLM first chunk and TTS first byte), with zero-latency emulators;
//   - end of speech → first audio, as the worker measured it and as the caller heard it (last voiced
//     frame sent → first reply frame received, in another process), with realistic latencies;
//   - playback gaps, failed calls, unanswered turns, CPU and memory per call.
//
// Three processes besides Temporal and FerretDB: this one runs the system (what is measured); a
// providers process runs the STT, LLM and TTS emulators (bench/voice-providers.ts, wired in through
// startTestSystem's env overrides); a callers process plays Twilio's side of every call
// (bench/voice-callers.ts). So this process's CPU and memory are the system's own.
//
// --viewers 0,20 runs every level once per count of operator consoles watching the live view
// (`GET /api/live` through the gateway, from a viewers process, bench/voice-viewers.ts) for the
// whole level, and ends with a comparison: what the live view costs the voice loop.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import globalSetup from '../test/harness/global-setup';
import globalTeardown from '../test/harness/global-teardown';
import { AGENT_NUMBER, OPERATOR_KEY, PUBLIC_URL, startTestSystem, type TestSystem } from '../test/harness/system';
import { CallStore } from '../src/voice/call-store';
import type { TurnLatency } from '../src/voice/call-types';
import { callWorkflowId, type CallWorkflow } from '../workflows/call/contract';
import type {
  CallResult,
  CallerTarget,
  CpuTime,
  FromCallers,
  FromProviders,
  LoopDelay,
  ProviderKeys,
  ProviderTiming,
  RunRequest,
  ToCallers,
  ToProviders,
  ToViewers,
  FromViewers,
  ViewerTotals,
} from './voice-calls-protocol';

// ---- modes ------------------------------------------------------------------------------------

type ModeName = 'zero' | 'realistic';

interface Mode {
  name: ModeName;
  title: string;
  timing: ProviderTiming;
}

const MODES: Record<ModeName, Mode> = {
  zero: {
    name: 'zero',
    title: 'zero-latency emulators',
    timing: { sttFinalizationMs: 0, llmFirstTokenMs: 0, llmTokensPerSecond: 0, ttsFirstByteMs: 0 },
  },
  realistic: {
    name: 'realistic',
    title: 'realistic emulator latencies',
    timing: { sttFinalizationMs: 150, llmFirstTokenMs: 350, llmTokensPerSecond: 80, ttsFirstByteMs: 150 },
  },
};

/** Keys the system presents to the providers process's emulators. */
const PROVIDER_KEYS: ProviderKeys = {
  assemblyai: 'bench-assemblyai-key-0123456789',
  anthropic: 'bench-anthropic-key-0123456789',
  tts: 'bench-tts-key-0123456789',
};

function describeMode(mode: Mode, minTurnSilenceMs: number): string {
  const { timing } = mode;
  const tokens = timing.llmTokensPerSecond > 0 ? `${timing.llmTokensPerSecond} tokens/s` : 'tokens as fast as possible';
  return (
    `${mode.title}: STT finalization ${timing.sttFinalizationMs} ms, LLM first token ${timing.llmFirstTokenMs} ms (${tokens}), TTS first byte ${timing.ttsFirstByteMs} ms ` +
    `(audio streamed as fast as the socket takes it); STT end-of-turn silence ${minTurnSilenceMs} ms (assemblyai.minTurnSilenceMs)`
  );
}

// ---- child processes ------------------------------------------------------------------------------

type Control = { type: 'ready' } | { type: 'warning'; message: string } | { type: 'error'; message: string };

/** A forked helper speaking typed JSON messages; `next(type)` takes the next message of a type (an `error` message fails it). */
class Helper<In, Out extends { type: string }> {
  private readonly inbox: Array<Out | Control> = [];
  private readonly waiters = new Set<() => void>();
  private exitError: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly warnings: string[],
  ) {
    child.on('message', (raw: unknown) => {
      const message = raw as Out | Control;
      if (message.type === 'warning') this.warnings.push((message as Control & { message: string }).message);
      else this.inbox.push(message);
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitError = new Error(`the ${name} process exited (${signal ?? `code ${code ?? '?'}`})`);
        this.wake();
        resolve();
      }),
    );
  }

  static async start<In, Out extends { type: string }>(
    name: string,
    script: string,
    warnings: string[],
  ): Promise<Helper<In, Out>> {
    const child = fork(path.join(__dirname, script), [], {
      cwd: path.resolve(__dirname, '..'),
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const helper = new Helper<In, Out>(name, child, warnings);
    await helper.next('ready', 60_000);
    return helper;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: In): void {
    this.child.send(message as object);
  }

  async next<T extends Out['type'] | 'ready'>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<Out | Control, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (index >= 0) {
        const message = this.inbox.splice(index, 1)[0]!;
        if (message.type === 'error')
          throw new Error(`${this.name} process: ${(message as Control & { message: string }).message}`);
        return message as Extract<Out | Control, { type: T }>;
      }
      if (this.exitError) throw this.exitError;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`the ${this.name} process sent no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // Disconnecting tells the helper to close its sockets and exit; SIGKILL if it does not.
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

type Callers = Helper<ToCallers, FromCallers>;
type Providers = Helper<ToProviders, FromProviders>;
type Viewers = Helper<ToViewers, FromViewers>;

// ---- measurements -------------------------------------------------------------------------------

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** `gc()` without --expose-gc on the command line: memory per call is measured on live objects only. */
function exposeGc(): (() => void) | undefined {
  let gc: unknown = globalThis.gc;
  if (typeof gc !== 'function') {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
  }
  return typeof gc === 'function' ? () => void (gc as () => unknown)() : undefined;
}

/** CPU seconds of another process (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat; counted here from the state field, 3). USER_HZ is 100 on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Linux CPU pressure (PSI, /proc/pressure/cpu): µs during which some runnable task waited for a CPU,
 * whatever process it belonged to (other users' included). Exact, unlike /proc/stat's tick sampling,
 * which misjudges bursty timer-aligned work such as 20 ms audio frames.
 */
function cpuPressureMicros(): number | undefined {
  try {
    const some = fs
      .readFileSync('/proc/pressure/cpu', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('some '));
    const total = /total=(\d+)/.exec(some ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  } catch {
    return undefined;
  }
}

function openFileLimit(): number | undefined {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function loopDelayOf(histogram: ReturnType<typeof monitorEventLoopDelay>): LoopDelay {
  return { p50Ms: histogram.percentile(50) / 1e6, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}

function cores(cpu: CpuTime, wallMs: number): number {
  return (cpu.userMicros + cpu.systemMicros) / 1000 / wallMs;
}

function cpuSince(start: NodeJS.CpuUsage): CpuTime {
  const used = process.cpuUsage(start);
  return { userMicros: used.user, systemMicros: used.system };
}

/** Runs `work` on each item with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- one level ----------------------------------------------------------------------------------

interface Options {
  levels: number[];
  turns: number;
  modes: Mode[];
  staggerMs: number;
  spreadMs: number;
  idleMs: number;
  turnTimeoutMs: number;
  quietMs: number;
  seed: number;
  /** Media streams straight to the realtime worker instead of through the gateway's pass-through. */
  direct: boolean;
  /** Each level runs once per count of console viewers watching `GET /api/live`. */
  viewers: number[];
}

interface LevelResult {
  mode: ModeName;
  level: number;
  /** Console viewers watching the live view during the level, and what they received. */
  viewers: number;
  viewerTotals?: ViewerTotals;
  minTurnSilenceMs: number;
  calls: CallResult[];
  failures: string[];
  turnsExpected: number;
  turnsAnswered: number;
  turnsUnanswered: number;
  gaps: number;
  maxGapMs: number;
  worker: TurnLatency[];
  callerFirstAudioMs: number[];
  /** Caller-side minus worker-side end of speech → first audio, for the same turns. */
  transportMs: number[];
  concurrent: number[];
  interrupted: number;
  fallbacks: number;
  extraTurns: number;
  /** Turns the caller heard answered whose agent turn (with its latency) is not in the call record. */
  unrecorded: number;
  clears: number;
  /** Cores (1 = one core busy) during the turns; for this process also with the calls connected and silent, and with no call. */
  cpu: {
    main: number;
    mainIdle: number;
    mainNoCalls: number;
    callers: number;
    others: Array<{ name: string; cores: number }>;
    pressure: number | undefined;
  };
  memory: { heapPerCallKb: number; rssPerCallKb: number; peakRssMb: number };
  loop: { main: LoopDelay; callers: LoopDelay };
  greetSeconds: number;
  turnsSeconds: number;
  peakOpen: number;
}

let nextNumber = 0;

/** Set once from the command line: where the simulated Twilio opens media streams. */
let directStreams = false;

function callerTarget(system: TestSystem): CallerTarget {
  const account = system.config.get().twilio.accounts[0]!;
  return {
    gatewayUrl: system.gatewayUrl,
    mediaStreamUrl: directStreams
      ? `${system.realtimeUrl.replace(/^http/, 'ws')}/twilio/media-stream`
      : system.mediaStreamUrl,
    publicUrl: PUBLIC_URL,
    accountSid: account.accountSid,
    authToken: account.authToken,
    twilioApiBaseUrl: account.apiBaseUrl ?? '',
    agentNumber: AGENT_NUMBER,
  };
}

interface Helpers {
  callers: Callers;
  providers: Providers;
  /** Started when a level has console viewers. */
  viewers?: Viewers;
  /** Other processes whose CPU is reported: providers, Temporal dev server, FerretDB. */
  watched: Array<{ name: string; pid: number | undefined }>;
}

/** One level on a system of its own (fresh database, connections), its providers already configured for the mode. */
async function runLevel(
  system: TestSystem,
  helpers: Helpers,
  mode: Mode,
  level: number,
  options: Options,
  gc: (() => void) | undefined,
  viewerCount = 0,
): Promise<LevelResult> {
  const { callers } = helpers;
  const tag = `[${mode.name} ${level}${viewerCount ? ` +${viewerCount} viewers` : ''}]`;
  const progress = (line: string) => process.stderr.write(`${tag} ${line}\n`);
  if (viewerCount > 0) {
    if (!helpers.viewers) throw new Error('no viewers process');
    helpers.viewers.send({
      type: 'watch',
      url: `${system.gatewayUrl}/api/live`,
      apiKey: OPERATOR_KEY,
      count: viewerCount,
    });
    const watching = await helpers.viewers.next('watching', 30_000);
    progress(`${watching.connected} console viewer(s) watching GET /api/live`);
  }
  gc?.();
  const baseline = process.memoryUsage();
  // What this process burns with no call at all (Temporal worker polls, timers), to set the per-call figures against.
  const quietCpu = process.cpuUsage();
  const quietStart = performance.now();
  await sleep(options.idleMs);
  const mainNoCalls = cores(cpuSince(quietCpu), performance.now() - quietStart);

  const request: RunRequest = {
    type: 'run',
    level,
    turns: options.turns,
    staggerMs: options.staggerMs,
    spreadMs: options.spreadMs,
    connectTimeoutMs: 30_000,
    turnTimeoutMs: options.turnTimeoutMs,
    quietMs: options.quietMs,
    numberPrefix: '+1628555',
    firstNumber: nextNumber,
    seed: options.seed + level,
    target: callerTarget(system),
  };
  nextNumber += level;
  progress(`placing ${level} call(s), one every ${options.staggerMs} ms`);
  callers.send(request);
  const greeted = await callers.next(
    'greeted',
    level * options.staggerMs + 2 * request.connectTimeoutMs + options.turnTimeoutMs + 60_000,
  );
  progress(
    `${greeted.greeted} connected and greeted, ${greeted.failed} failed, in ${(greeted.elapsedMs / 1000).toFixed(1)} s`,
  );

  // All calls are up and quiet (greetings played): live memory per connected call, then idle CPU.
  gc?.();
  const connected = process.memoryUsage();
  const idleCpu = process.cpuUsage();
  const idleStart = performance.now();
  await sleep(options.idleMs);
  const mainIdle = cores(cpuSince(idleCpu), performance.now() - idleStart);

  const others = helpers.watched.map((p) => ({ ...p, before: processCpuSeconds(p.pid) }));
  const pressureBefore = cpuPressureMicros();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 250);
  const cpuStart = process.cpuUsage();
  const turnsStart = performance.now();
  callers.send({ type: 'go' });
  let done: Extract<FromCallers, { type: 'turns-done' }>;
  try {
    done = await callers.next(
      'turns-done',
      options.spreadMs + options.turns * (options.turnTimeoutMs + 10_000) + 60_000,
    );
  } finally {
    clearInterval(sampler);
    loop.disable();
  }
  const turnsWall = performance.now() - turnsStart;
  const mainCpu = cpuSince(cpuStart);
  const pressureAfter = cpuPressureMicros();
  const pressure =
    pressureBefore !== undefined && pressureAfter !== undefined
      ? (pressureAfter - pressureBefore) / 1000 / turnsWall
      : undefined;
  const otherCpu = others.flatMap((p) => {
    const after = processCpuSeconds(p.pid);
    return p.before === undefined || after === undefined
      ? []
      : [{ name: p.name, cores: ((after - p.before) * 1000) / turnsWall }];
  });
  progress(`turns done in ${(turnsWall / 1000).toFixed(1)} s; hanging up`);
  const result = await callers.next('result', 120_000);
  let viewerTotals: ViewerTotals | undefined;
  if (viewerCount > 0 && helpers.viewers) {
    helpers.viewers.send({ type: 'unwatch' });
    const { type: _type, ...totals } = await helpers.viewers.next('watched', 30_000);
    viewerTotals = totals;
  }
  progress('calls ended; reading the call records');

  // The calls' workflows end after the completed callback; their records hold the worker's latencies.
  const store = new CallStore(system.db);
  const fallbackLine = system.config.get().voice.fallbackLine;
  const failures: string[] = [];
  const worker: TurnLatency[] = [];
  const callerFirstAudioMs: number[] = [];
  const transportMs: number[] = [];
  let interrupted = 0;
  let fallbacks = 0;
  let extraTurns = 0;
  let unrecorded = 0;
  await eachLimited(result.calls, 20, async (call) => {
    let outcome: string | undefined;
    if (call.callSid && call.completed) {
      const handle = system.temporal.workflow.getHandle<CallWorkflow>(callWorkflowId(call.callSid));
      let timer: NodeJS.Timeout | undefined;
      try {
        outcome = (
          await Promise.race([
            handle.result(),
            new Promise<never>(
              (_, reject) =>
                (timer = setTimeout(() => reject(new Error('workflow did not finish within 60 s')), 60_000)),
            ),
          ])
        ).outcome;
      } catch (error) {
        outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
      } finally {
        clearTimeout(timer);
      }
    }
    if (call.error) failures.push(call.error);
    else if (outcome !== 'completed') failures.push(`call workflow outcome: ${outcome ?? 'none'}`);
    if (!call.callSid) return;
    const record = await store.get(call.callSid);
    const agentTurns = new Map((record?.turns ?? []).filter((t) => t.role === 'agent').map((t) => [t.turnId, t]));
    for (const turn of agentTurns.values()) {
      if (turn.turnId > options.turns) extraTurns++;
      if (turn.interrupted) interrupted++;
      if (turn.text === fallbackLine) fallbacks++;
    }
    for (const said of call.turns) {
      const agent = agentTurns.get(said.turnId);
      if (said.answered && !agent?.latency) unrecorded++;
      if (agent?.latency) worker.push(agent.latency);
      if (said.firstAudioMs !== undefined) callerFirstAudioMs.push(said.firstAudioMs);
      if (agent?.latency && said.firstAudioMs !== undefined)
        transportMs.push(said.firstAudioMs - agent.latency.endOfSpeechToFirstAudioMs);
    }
  });
  const saidTurns = result.calls.flatMap((c) => c.turns);
  const calls = Math.max(1, greeted.greeted);
  return {
    mode: mode.name,
    level,
    viewers: viewerCount,
    ...(viewerTotals ? { viewerTotals } : {}),
    minTurnSilenceMs: system.config.get().assemblyai.minTurnSilenceMs,
    calls: result.calls,
    failures,
    turnsExpected: result.calls.filter((c) => c.greeted).length * options.turns,
    turnsAnswered: saidTurns.filter((t) => t.answered).length,
    turnsUnanswered: saidTurns.filter((t) => !t.answered).length,
    gaps: result.calls.reduce((n, c) => n + c.gaps, 0),
    maxGapMs: Math.max(0, ...result.calls.map((c) => c.maxGapMs)),
    worker,
    callerFirstAudioMs,
    transportMs,
    concurrent: saidTurns.map((t) => t.concurrent),
    interrupted,
    fallbacks,
    extraTurns,
    unrecorded,
    clears: result.calls.reduce((n, c) => n + c.clears + c.protocolErrors, 0),
    cpu: {
      main: cores(mainCpu, turnsWall),
      mainIdle,
      mainNoCalls,
      callers: cores(done.cpu, done.wallMs),
      others: otherCpu,
      pressure,
    },
    memory: {
      heapPerCallKb: (connected.heapUsed - baseline.heapUsed) / 1024 / calls,
      rssPerCallKb: (peakRss - baseline.rss) / 1024 / calls,
      peakRssMb: peakRss / 1024 / 1024,
    },
    loop: { main: loopDelayOf(loop), callers: done.loopDelay },
    greetSeconds: greeted.elapsedMs / 1000,
    turnsSeconds: turnsWall / 1000,
    peakOpen: result.peakOpen,
  };
}

// ---- output -------------------------------------------------------------------------------------

const ms = (value: number): string => (Number.isNaN(value) ? '–' : value < 100 ? value.toFixed(1) : value.toFixed(0));
const pcts = (values: readonly number[], ps: number[]): string => ps.map((p) => ms(percentile(values, p))).join('/');
const pct = (value: number): string => `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%`;

const COLUMNS: Array<[string, number]> = [
  ['calls', 5],
  ['failed', 6],
  ['answered', 9],
  ['gaps', 4],
  ['overhead p50/p95/p99', 20],
  ['worker eos→audio p50/p95/p99', 28],
  ['caller eos→audio p50/p95/p99', 28],
  ['CPU/call system', 15],
  ['KB/call heap|RSS', 16],
];

function row(cells: string[]): string {
  return cells.map((cell, i) => cell.padStart(COLUMNS[i]![1])).join('  ');
}

function header(mode: Mode, minTurnSilenceMs: number): string {
  return ['', `== ${describeMode(mode, minTurnSilenceMs)}`, row(COLUMNS.map(([name]) => name))].join('\n');
}

function levelRow(r: LevelResult): string {
  const lines = [
    row([
      String(r.level),
      String(r.failures.length),
      `${r.turnsAnswered}/${r.turnsExpected}`,
      String(r.gaps),
      pcts(
        r.worker.map((l) => l.overheadMs),
        [50, 95, 99],
      ),
      pcts(
        r.worker.map((l) => l.endOfSpeechToFirstAudioMs),
        [50, 95, 99],
      ),
      pcts(r.callerFirstAudioMs, [50, 95, 99]),
      pct(r.cpu.main / r.level),
      `${r.memory.heapPerCallKb.toFixed(0)}|${r.memory.rssPerCallKb.toFixed(0)}`,
    ]),
  ];
  const p50p95 = (pick: (l: TurnLatency) => number) => pcts(r.worker.map(pick), [50, 95]);
  const others = r.cpu.others.map((o) => `${o.name} ${pct(o.cores)}`).join(', ');
  const concurrency = r.concurrent.length
    ? `${percentile(r.concurrent, 50)} (min ${Math.min(...r.concurrent)}, peak connected ${r.peakOpen})`
    : '–';
  lines.push(
    `        worker p50/p95: stt ${p50p95((l) => l.sttMs)} ms, llm first token ${p50p95((l) => l.llmFirstTokenMs)} ms, first chunk ${p50p95((l) => l.llmFirstChunkMs)} ms, tts first byte ${p50p95((l) => l.ttsFirstByteMs)} ms; ` +
      `caller − worker eos→audio p50/p95 ${pcts(r.transportMs, [50, 95])} ms; calls connected during turns ${concurrency}`,
    `        CPU (share of one core) during turns: system ${pct(r.cpu.main)} (${pct(r.cpu.mainIdle)} with the calls connected and silent, ${pct(r.cpu.mainNoCalls)} with no call), callers ${pct(r.cpu.callers)}${others ? `, ${others}` : ''}; ` +
      `event loop delay p99/max: system ${ms(r.loop.main.p99Ms)}/${ms(r.loop.main.maxMs)} ms, callers ${ms(r.loop.callers.p99Ms)}/${ms(r.loop.callers.maxMs)} ms; system peak RSS ${r.memory.peakRssMb.toFixed(0)} MB; ` +
      `connect+greeting ${r.greetSeconds.toFixed(1)} s, turns ${r.turnsSeconds.toFixed(1)} s`,
  );
  const ours = r.cpu.main + r.cpu.callers + r.cpu.others.reduce((n, o) => n + o.cores, 0);
  const cpus = os.availableParallelism();
  lines[2] += `; all benchmark processes together ${ours.toFixed(2)} of ${cpus} cores${r.cpu.pressure === undefined ? '' : `; CPU pressure ${pct(r.cpu.pressure)} (time some task, anyone's, waited for a CPU)`}`;
  if (r.viewerTotals) {
    const v = r.viewerTotals;
    lines.push(
      `        console viewers: ${r.viewers} watching GET /api/live; received ${v.events} events (${(v.bytes / 1024).toFixed(0)} KB), ${v.transcriptEventsPerViewer.toFixed(0)} transcript events per viewer; ${v.dropped} stream(s) dropped`,
    );
  } else lines.push(`        console viewers: none`);
  const anomalies = [
    r.cpu.pressure !== undefined && r.cpu.pressure > 0.25
      ? `CPU contention: some task waited for a CPU ${pct(r.cpu.pressure)} of the time (other load, or the machine is too small for this level): latencies include that queueing`
      : '',
    r.turnsUnanswered ? `${r.turnsUnanswered} turn(s) never answered` : '',
    r.maxGapMs ? `longest gap ${r.maxGapMs} ms` : '',
    r.interrupted ? `${r.interrupted} agent turn(s) interrupted` : '',
    r.fallbacks ? `${r.fallbacks} fallback line(s) spoken` : '',
    r.extraTurns ? `${r.extraTurns} unexpected extra turn(s) (an utterance split in two?)` : '',
    r.clears ? `${r.clears} clear(s)/protocol error(s) seen by callers` : '',
    r.unrecorded ? `${r.unrecorded} answered turn(s) missing from the call record (or without latency)` : '',
  ].filter(Boolean);
  if (anomalies.length) lines.push(`        !! ${anomalies.join('; ')}`);
  if (r.failures.length) {
    const counts = new Map<string, number>();
    for (const f of r.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [failure, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5))
      lines.push(`        !! ${count} call(s): ${failure}`);
  }
  return lines.join('\n');
}

/** Each level with and without console viewers: the live view's cost to the voice loop. */
function viewersComparison(results: LevelResult[]): string {
  const lines = ['', '== console viewers (GET /api/live) against none'];
  const groups = new Map<string, LevelResult[]>();
  for (const r of results) groups.set(`${r.mode} ${r.level}`, [...(groups.get(`${r.mode} ${r.level}`) ?? []), r]);
  for (const [key, group] of groups) {
    if (group.length < 2) continue;
    lines.push(`${key} calls:`);
    for (const r of group)
      lines.push(
        `  ${String(r.viewers).padStart(3)} viewer(s): overhead per turn p50/p90 ${pcts(
          r.worker.map((l) => l.overheadMs),
          [50, 90],
        )} ms; worker eos→audio p50/p90 ${pcts(
          r.worker.map((l) => l.endOfSpeechToFirstAudioMs),
          [50, 90],
        )} ms; system process CPU during turns ${pct(r.cpu.main)} of a core (${pct(r.cpu.main / r.level)} per call); ` +
          `event loop delay p99 ${ms(r.loop.main.p99Ms)} ms; answered ${r.turnsAnswered}/${r.turnsExpected}, gaps ${r.gaps}`,
      );
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

function aims(results: LevelResult[], options: Options): string {
  const lines = ['', '== aims'];
  const zero100 = results.find((r) => r.mode === 'zero' && r.level === 100);
  if (zero100) {
    const p95 = percentile(
      zero100.worker.map((l) => l.overheadMs),
      95,
    );
    lines.push(
      `pipeline overhead p95 at 100 calls (zero-latency emulators): ${ms(p95)} ms — aim ≤ 20 ms (one audio frame): ${p95 <= 20 ? 'met' : 'NOT met'}`,
    );
  } else {
    lines.push('pipeline overhead p95 at 100 calls: not measured (needs --mode zero|both and 100 in --levels)');
  }
  for (const r of results.filter((x) => x.mode === 'realistic')) {
    const worker = percentile(
      r.worker.map((l) => l.endOfSpeechToFirstAudioMs),
      95,
    );
    const caller = percentile(r.callerFirstAudioMs, 95);
    const providers = r.worker.map((l) => l.sttMs + l.llmFirstChunkMs + l.ttsFirstByteMs);
    lines.push(
      `end of speech → first audio p95 at ${r.level} calls (realistic latencies): worker ${ms(worker)} ms, caller ${ms(caller)} ms — aim < 1000 ms (caller side): ${caller < 1000 ? 'met' : 'NOT met'} ` +
        `(of which STT + LLM first chunk + TTS first byte alone: p50 ${ms(percentile(providers, 50))} ms, p95 ${ms(percentile(providers, 95))} ms)`,
    );
  }
  if (!options.modes.some((m) => m.name === 'realistic'))
    lines.push('end of speech → first audio with realistic latencies: not measured (needs --mode realistic|both)');
  const gaps = results.reduce((n, r) => n + r.gaps, 0);
  lines.push(
    `playback gaps in the agent's audio (> 20 ms, all levels): ${gaps} — aim 0: ${gaps === 0 ? 'met' : 'NOT met'}`,
  );
  const failed = results.reduce((n, r) => n + r.failures.length, 0);
  const unanswered = results.reduce((n, r) => n + r.turnsUnanswered, 0);
  const notReached = results.reduce(
    (n, r) => n + Math.max(0, r.turnsExpected - r.turnsAnswered - r.turnsUnanswered),
    0,
  );
  lines.push(
    `failed calls: ${failed}; turns never answered: ${unanswered}; turns not reached (call broken off earlier): ${notReached}`,
  );
  return lines.join('\n');
}

const NOTES = [
  '',
  "overhead = the realtime worker's own time in a turn: its end of speech → first audio minus STT (end of speech → final transcript), LLM (request → first speakable chunk) and TTS (first chunk → first byte).",
  "worker eos→audio: the realtime worker's clocks (last voiced frame received → first reply frame sent). caller eos→audio: the callers process (last voiced frame sent → first reply frame received, through the gateway).",
  'CPU/call system: CPU time of the system process during the turns ÷ wall time ÷ calls, as a share of one core. The system process holds the gateway, realtime worker and orchestrator worker',
  "  (with its Temporal core threads) and their database/Temporal clients, plus the harness's Twilio REST emulator (used at call set-up only) and its idle in-process STT/LLM/TTS emulators.",
  '  The STT, LLM and TTS emulators the calls use run in the "providers" process; Twilio\'s side of the calls in the "callers" process; both are shown on the detail line with Temporal and FerretDB.',
  'KB/call (system process): heap = live JS heap after GC with all calls connected and greeted, minus before the level; RSS = peak RSS during the turns minus before the level. Noise below ~20 calls.',
];

// ---- main ---------------------------------------------------------------------------------------

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      levels: { type: 'string', default: '1,50,100,200' },
      turns: { type: 'string', default: '3' },
      mode: { type: 'string', default: 'both' },
      'stagger-ms': { type: 'string', default: '20' },
      'spread-ms': { type: 'string', default: '1000' },
      'idle-ms': { type: 'string', default: '2000' },
      'quiet-ms': { type: 'string', default: '300' },
      'turn-timeout-ms': { type: 'string', default: '30000' },
      seed: { type: 'string', default: '1' },
      direct: { type: 'boolean', default: false },
      viewers: { type: 'string', default: '0' },
    },
  });
  const viewers = values.viewers.split(',').map((v) => Number(v.trim()));
  if (viewers.some((v) => !Number.isInteger(v) || v < 0 || v > 1000))
    throw new Error(`--viewers: counts of console viewers 0-1000, comma separated (got ${values.viewers})`);
  const levels = values.levels.split(',').map((l) => Number(l.trim()));
  if (levels.some((l) => !Number.isInteger(l) || l < 1 || l > 9999))
    throw new Error(`--levels: positive integers, comma separated (got ${values.levels})`);
  const turns = Number(values.turns);
  if (!Number.isInteger(turns) || turns < 1) throw new Error(`--turns: a positive integer (got ${values.turns})`);
  const modes =
    values.mode === 'both'
      ? [MODES.zero, MODES.realistic]
      : values.mode === 'zero' || values.mode === 'realistic'
        ? [MODES[values.mode]]
        : undefined;
  if (!modes) throw new Error(`--mode: zero, realistic or both (got ${values.mode})`);
  const number = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: a non-negative number (got ${value})`);
    return n;
  };
  directStreams = values.direct;
  return {
    direct: values.direct,
    viewers,
    levels,
    turns,
    modes,
    staggerMs: number('stagger-ms', values['stagger-ms']),
    spreadMs: number('spread-ms', values['spread-ms']),
    idleMs: number('idle-ms', values['idle-ms']),
    turnTimeoutMs: number('turn-timeout-ms', values['turn-timeout-ms']),
    quietMs: number('quiet-ms', values['quiet-ms']),
    seed: number('seed', values.seed),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const gc = exposeGc();
  const maxLevel = Math.max(...options.levels);
  const fdLimit = openFileLimit();
  // Per call in the system process: gateway (2 sockets), realtime (1), STT client (1), TTS (up to 3), LLM (1), plus slack.
  if (fdLimit !== undefined && fdLimit < maxLevel * 12 + 1000)
    process.stderr.write(
      `warning: open file limit ${fdLimit} may be too low for ${maxLevel} calls (about ${maxLevel * 12 + 1000} wanted: ulimit -n)\n`,
    );
  const warnings: string[] = [];
  process.on('warning', (warning) => warnings.push(`system process: ${warning.name}: ${warning.message}`));

  let system: TestSystem | undefined;
  let callers: Callers | undefined;
  let providers: Providers | undefined;
  let viewers: Viewers | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all([
        callers?.stop().catch(() => undefined),
        providers?.stop().catch(() => undefined),
        viewers?.stop().catch(() => undefined),
      ]);
      await system?.stop().catch((error: unknown) => process.stderr.write(`stopping the system: ${String(error)}\n`));
      await globalTeardown();
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const results: LevelResult[] = [];
  try {
    await globalSetup();
    // One after the other, so that cleanup knows every helper that did start.
    callers = await Helper.start<ToCallers, FromCallers>('callers', 'voice-callers.ts', warnings);
    providers = await Helper.start<ToProviders, FromProviders>('providers', 'voice-providers.ts', warnings);
    providers.send({ type: 'start', keys: PROVIDER_KEYS });
    const urls = await providers.next('started', 30_000);
    const providerEnv = {
      ASSEMBLYAI_API_KEY: PROVIDER_KEYS.assemblyai,
      ASSEMBLYAI_STREAMING_URL: urls.sttUrl,
      ANTHROPIC_API_KEY: PROVIDER_KEYS.anthropic,
      ANTHROPIC_BASE_URL: urls.anthropicUrl,
      TTS_API_KEY: PROVIDER_KEYS.tts,
      TTS_BASE_URL: urls.ttsUrl,
    };
    const watched = [
      { name: 'providers', pid: providers.pid },
      ...(globalThis.__belugaStack?.processes ?? []).map((p) => ({ name: p.name, pid: p.child.pid })),
    ];
    if (options.viewers.some((v) => v > 0))
      viewers = await Helper.start<ToViewers, FromViewers>('viewers', 'voice-viewers.ts', warnings);
    const helpers: Helpers = { callers, providers, ...(viewers ? { viewers } : {}), watched };
    const onFreshSystem = async (
      mode: Mode,
      level: number,
      levelOptions: Options,
      viewerCount = 0,
    ): Promise<LevelResult> => {
      helpers.providers.send({ type: 'configure', timing: mode.timing });
      await helpers.providers.next('configured', 30_000);
      system = await startTestSystem({ LOG_LEVEL: 'silent', ...providerEnv }, { voice: true });
      try {
        return await runLevel(system, helpers, mode, level, levelOptions, gc, viewerCount);
      } finally {
        const stopping = system;
        system = undefined;
        await stopping.stop();
      }
    };

    process.stdout.write(
      `voice calls benchmark: levels ${options.levels.join(', ')}; ${options.turns} turn(s) per call of 1–1.5 s of speech; calls started ${options.staggerMs} ms apart; ` +
        `all connected during the turns; each level on a fresh system (new database and connections)\n`,
    );
    process.stdout.write(`${NOTES.join('\n')}\n`);
    // Warm-up (not reported): JIT of the system's, providers' and callers' code, workflow bundle, first connections.
    process.stderr.write('warming up with one call\n');
    await onFreshSystem(options.modes[0]!, 1, { ...options, turns: 1 });
    for (const mode of options.modes) {
      let first = true;
      for (const level of options.levels) {
        for (const viewerCount of options.viewers) {
          const result = await onFreshSystem(mode, level, options, viewerCount);
          results.push(result);
          if (first) process.stdout.write(`${header(mode, result.minTurnSilenceMs)}\n`);
          first = false;
          process.stdout.write(`${levelRow(result)}\n`);
        }
      }
    }
    process.stdout.write(`${viewersComparison(results)}\n`);
    process.stdout.write(
      `${aims(
        results.filter((r) => r.viewers === options.viewers[0]),
        options,
      )}\n`,
    );
  } finally {
    if (warnings.length)
      process.stdout.write(`\nwarnings:\n${[...new Set(warnings)].map((w) => `  ${w}`).join('\n')}\n`);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
