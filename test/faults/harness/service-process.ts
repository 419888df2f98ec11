import { startProcess, type ManagedProcess } from '../../../devstack/child';
import { projectRoot } from '../../../devstack/paths';

/** Output lines a handle keeps for assertions and error messages. */
const LOG_LINES_KEPT = 2000;

export interface ServiceProcessOptions {
  /** Shown in logs and errors, e.g. `gateway` or `realtime-2`. */
  name: string;
  /** Launches one process; called again by every `start()`, so a restart gets the same command and config. */
  launch: (sink: (name: string, line: string) => void) => ManagedProcess;
  /** Resolves true once the process serves (polled every 200 ms). */
  ready: (handle: ServiceProcess) => Promise<boolean>;
  /** How long `start()` and `waitHealthy()` wait by default. */
  readyTimeoutMs?: number;
  /** Echo output to stderr (BELUGA_FAULTS_VERBOSE=1 does it for every process). */
  echo?: boolean;
}

/**
 * One process of the stack under test, restartable with the same command, port and environment:
 * `kill('SIGKILL')` is a crash, `kill('SIGTERM')` a deploy, `start()` brings it back.
 */
export class ServiceProcess {
  readonly name: string;
  private current: ManagedProcess | undefined;
  private readonly lines: string[] = [];
  /** Index in `lines` where the current incarnation's output starts. */
  private incarnationStart = 0;
  private dropped = 0;
  private starts = 0;

  constructor(private readonly options: ServiceProcessOptions) {
    this.name = options.name;
  }

  /** True while the OS process exists (also during a SIGTERM drain). */
  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.current?.child.pid : undefined;
  }

  /** How many times it has been started (1 after the first start). */
  get startCount(): number {
    return this.starts;
  }

  /** Starts it (again) and waits until it is ready. Throws if it is still running. */
  async start(timeoutMs = this.options.readyTimeoutMs ?? 180_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.starts += 1;
    this.incarnationStart = this.dropped + this.lines.length;
    this.record(`--- ${this.name} start #${this.starts} ---`);
    this.current = this.options.launch((_name, line) => this.record(line));
    await this.waitHealthy(timeoutMs);
  }

  /** Sends the signal and resolves once the process has exited (SIGTERM: after its own drain). */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<number | null> {
    const proc = this.current;
    if (!proc || !this.running) return proc ? proc.exited : null;
    proc.child.kill(signal);
    return proc.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.current?.stop(graceMs);
  }

  /** Polls the readiness probe; fails early, with the recent output, if the process exits. */
  async waitHealthy(timeoutMs = this.options.readyTimeoutMs ?? 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} is not running:\n${this.recentLogs(40).join('\n')}`);
      if (await this.options.ready(this).catch(() => false)) return;
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.recentLogs(40).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The last `count` output lines, across restarts (each start is marked). */
  recentLogs(count = 100): string[] {
    return this.lines.slice(-count);
  }

  /** Output lines of the current incarnation only (since the last `start()`), as far as still kept. */
  logsSinceStart(): string[] {
    return this.lines.slice(Math.max(0, this.incarnationStart - this.dropped));
  }

  private record(line: string): void {
    if (this.options.echo || process.env.BELUGA_FAULTS_VERBOSE === '1')
      process.stderr.write(`[${this.name}] ${line}\n`);
    this.lines.push(line);
    if (this.lines.length > LOG_LINES_KEPT) {
      this.lines.shift();
      this.dropped += 1;
    }
  }
}

/** `node --import tsx workers/<program>.ts`, one process per program so signals reach it directly (as scripts/dev.ts). */
export function launchWorker(program: 'gateway' | 'orchestrator' | 'realtime', env: NodeJS.ProcessEnv) {
  return (sink: (name: string, line: string) => void): ManagedProcess =>
    startProcess(
      program,
      process.execPath,
      ['--import', 'tsx', `${projectRoot}/workers/${program}.ts`],
      { env, cwd: projectRoot },
      sink,
    );
}
