import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot, projectRoot } from './paths';

export interface GoTool {
  name: 'temporal' | 'ferretdb' | 'compose';
  version: string;
  /** Tiny Go module in tools/go/<name> whose committed go.sum pins and verifies every download. */
  moduleDir: string;
  /** Package to build inside that module. */
  pkg: string;
  ldflags?: string;
  /** Environment variable that points at an existing binary instead. */
  binEnv: string;
  /** Official release downloads, named in the error when nothing can provide the tool. */
  releasesUrl: string;
  /** Also accept a binary of this name already on PATH. */
  acceptOnPath: boolean;
}

export const TEMPORAL_CLI: GoTool = {
  name: 'temporal',
  version: '1.5.1',
  moduleDir: path.join(projectRoot, 'tools', 'go', 'temporal'),
  pkg: 'github.com/temporalio/cli/cmd/temporal',
  ldflags: '-s -w -X github.com/temporalio/cli/temporalcli.Version=1.5.1',
  binEnv: 'TEMPORAL_BIN',
  releasesUrl: 'https://github.com/temporalio/cli/releases/tag/v1.5.1 (or https://temporal.download/cli)',
  acceptOnPath: true,
};

export const FERRETDB: GoTool = {
  name: 'ferretdb',
  version: '1.24.2',
  moduleDir: path.join(projectRoot, 'tools', 'go', 'ferretdb'),
  pkg: '.',
  binEnv: 'FERRETDB_BIN',
  releasesUrl: 'https://github.com/FerretDB/FerretDB/releases/tag/v1.24.2',
  // FerretDB binaries on PATH may be v2 (needs a PostgreSQL extension); only use ours or an explicit one.
  acceptOnPath: false,
};

/** Docker Compose v2, only so the tests can run `docker compose config` on docker-compose.yml (no engine needed). */
export const DOCKER_COMPOSE: GoTool = {
  name: 'compose',
  version: '2.40.3',
  moduleDir: path.join(projectRoot, 'tools', 'go', 'compose'),
  pkg: 'github.com/docker/compose/v2/cmd',
  ldflags: '-s -w -X github.com/docker/compose/v2/internal.Version=v2.40.3',
  binEnv: 'DOCKER_COMPOSE_BIN',
  releasesUrl: 'https://github.com/docker/compose/releases/tag/v2.40.3',
  acceptOnPath: false,
};

type Log = (line: string) => void;

function onPath(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const p = found.stdout.trim();
  return found.status === 0 && p ? p : undefined;
}

function cachedToolPath(tool: GoTool): string {
  return path.join(cacheRoot(), 'tools', `${tool.name}-${tool.version}`, tool.name);
}

/** Where the tool would come from without building it, if anywhere. */
export function findExistingTool(tool: GoTool): string | undefined {
  const fromEnv = process.env[tool.binEnv];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${tool.binEnv}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const cached = cachedToolPath(tool);
  if (fs.existsSync(cached)) return cached;
  return tool.acceptOnPath ? onPath(tool.name) : undefined;
}

function missingToolMessage(tool: GoTool): string {
  return [
    `Cannot provide ${tool.name} ${tool.version}: no ${tool.binEnv}, no cached build at ${cachedToolPath(tool)}, and no Go toolchain on PATH.`,
    `Fix one of:`,
    `  - install Go >= 1.25 (https://go.dev/dl/ or your OS package manager) and run \`npm run provision\` again; it builds ${tool.name} from its pinned Go module (checksums verified by tools/go/${tool.name}/go.sum);`,
    `  - or download the official release (${tool.releasesUrl}) and set ${tool.binEnv}=/path/to/${tool.name}.`,
  ].join('\n');
}

/** Builds the tool from its pinned module into the cache; concurrent callers wait for one build. */
async function buildTool(tool: GoTool, log: Log): Promise<string> {
  if (!onPath('go')) throw new Error(missingToolMessage(tool));
  const target = cachedToolPath(tool);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.build-lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (fs.existsSync(target)) return target;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 30 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (fs.existsSync(target)) return target;
    const tmp = `${target}.${process.pid}.tmp`;
    log(`building ${tool.name} ${tool.version} with Go (first time only, a few minutes)...`);
    const started = Date.now();
    const args = ['build', '-trimpath', '-mod=readonly', '-o', tmp];
    if (tool.ldflags) args.push('-ldflags', tool.ldflags);
    args.push(tool.pkg);
    // GOFLAGS is cleared so a user's -mod=mod or -insecure cannot weaken go.sum verification.
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('go', args, { cwd: tool.moduleDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0)
      throw new Error(`go build of ${tool.name} ${tool.version} failed (exit ${code}); see the output above`);
    fs.renameSync(tmp, target);
    log(`built ${tool.name} ${tool.version} in ${Math.round((Date.now() - started) / 1000)} s -> ${target}`);
    return target;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Path to a usable binary: explicit env var, cached build, PATH (where allowed), or a fresh build. */
export async function ensureGoTool(tool: GoTool, log: Log = () => {}): Promise<string> {
  return findExistingTool(tool) ?? (await buildTool(tool, log));
}
