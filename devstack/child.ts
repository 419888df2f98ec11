import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited, whatever the cause. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export type LineSink = (name: string, line: string) => void;

/** Spawns a child whose output goes line by line to `sink`, and which can be stopped reliably. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions,
  sink?: LineSink,
): ManagedProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) sink?.(name, line);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(null));
  });
  return {
    name,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it resolves true; fails early if the process dies, or after `timeoutMs`. */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  recentOutput: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void proc.exited.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) throw new Error(`${proc.name} exited before it was ready:\n${recentOutput()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  await proc.stop(2000);
  throw new Error(`${proc.name} did not become ready within ${timeoutMs} ms:\n${recentOutput()}`);
}

/** Keeps the last lines of a process's output for error messages. */
export function tail(limit = 40): { sink: LineSink; text: () => string } {
  const lines: string[] = [];
  return {
    sink: (_name, line) => {
      lines.push(line);
      if (lines.length > limit) lines.shift();
    },
    text: () => lines.join('\n'),
  };
}
