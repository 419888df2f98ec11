import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Debian's chromium, which the browser tests and `npm run screenshots` drive through playwright-core.
 * Playwright's own browser download is not used: it needs hosts a closed network refuses, and a distro
 * package gets security updates with the rest of the machine.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const APT_COMMAND = 'apt-get update && apt-get install -y --no-install-recommends chromium';

type Log = (line: string) => void;

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** How to run the apt command here: as root directly, through sudo, or not at all (with the reason). */
function aptRunner(): { command: string; args: string[] } | { reason: string } {
  if (!onPath('apt-get')) return { reason: 'apt-get is not available (not a Debian-based system)' };
  const root = process.getuid?.() === 0;
  if (root) return { command: 'sh', args: ['-c', APT_COMMAND] };
  if (onPath('sudo')) return { command: 'sudo', args: ['sh', '-c', APT_COMMAND] };
  return { reason: 'not running as root and sudo is not installed' };
}

function failure(reason: string): Error {
  return new Error(
    [
      `Cannot provide chromium at ${CHROMIUM_PATH} for the browser tests: ${reason}.`,
      `Fix one of:`,
      `  - run as root: ${APT_COMMAND}`,
      `  - or install a Chromium yourself and set CHROMIUM_PATH=/path/to/chromium.`,
    ].join('\n'),
  );
}

/** Path to chromium, installing Debian's package when it is missing (idempotent: a stat when present). */
export async function ensureChromium(log: Log = () => {}): Promise<string> {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.env.CHROMIUM_PATH) throw failure(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
  const runner = aptRunner();
  if ('reason' in runner) throw failure(runner.reason);
  log(`chromium is missing; installing Debian's package (${APT_COMMAND})...`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(runner.command, runner.args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.on('error', () => resolve(127));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw failure(`\`${APT_COMMAND}\` failed (exit ${code}); see its output above`);
  if (!fs.existsSync(CHROMIUM_PATH)) throw failure(`the chromium package installed, but ${CHROMIUM_PATH} is absent`);
  log(`installed chromium in ${Math.round((Date.now() - started) / 1000)} s -> ${CHROMIUM_PATH}`);
  return CHROMIUM_PATH;
}
