/**
 * Deployment files: docker-compose.yml, Dockerfile, .dockerignore.
 *
 * Two views of the compose file get the same structural checks:
 *  - the file as written, parsed here (always runs; no Docker needed);
 *  - the model that Docker Compose itself produces (`config --format json`: interpolated, anchors
 *    merged, validated against the Compose spec). This one runs only when a Compose
 *    implementation is found, and is otherwise reported as skipped, never as passed.
 *
 * Compose is looked up in this order: $DOCKER_COMPOSE_BIN, the pinned build in the per-user cache
 * (<cache>/tools/compose-<version>/compose, built from tools/go/compose), the `docker compose`
 * plugin, then `docker-compose` (v2 or later) on PATH. No Docker engine is needed for `config`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cacheRoot } from '../../devstack/paths';
import { PROJECT_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

const root = path.resolve(__dirname, '..', '..');
const composeFile = path.join(root, 'docker-compose.yml');
const composeText = fs.readFileSync(composeFile, 'utf8');

const PROJECT_SERVICES = ['gateway', 'orchestrator', 'realtime'] as const;

// ---------------------------------------------------------------------------------------------
// A normalized view of a compose model (the file's short syntax and `config`'s long syntax).

interface Port {
  published?: string;
  target: number;
  hostIp?: string;
}

interface Mount {
  type: string;
  source?: string;
  target: string;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  entrypoint: string[];
  command: string[];
  environment: Record<string, string | null>;
  dependsOn: Record<string, string>;
  healthcheck?: string[];
  ports: Port[];
  volumes: Mount[];
  restart?: string;
}

interface Model {
  services: Record<string, Service>;
  volumes: string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A YAML/JSON scalar as text; anything else is a malformed model. */
function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`expected a scalar, got ${JSON.stringify(value)}`);
}

function words(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(scalar);
  throw new Error(`expected a string or a list, got ${JSON.stringify(value)}`);
}

function parsePort(value: unknown): Port {
  if (isRecord(value)) {
    return {
      target: Number(value.target),
      ...(value.published !== undefined ? { published: scalar(value.published) } : {}),
      ...(typeof value.host_ip === 'string' ? { hostIp: value.host_ip } : {}),
    };
  }
  // Short syntax: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]
  const parts = scalar(value)
    .replace(/\/(tcp|udp)$/, '')
    .split(':');
  const target = Number(parts.pop());
  const published = parts.pop();
  const hostIp = parts.pop();
  return { target, ...(published !== undefined ? { published } : {}), ...(hostIp !== undefined ? { hostIp } : {}) };
}

function parseMount(value: unknown): Mount {
  if (isRecord(value)) {
    return {
      type: scalar(value.type),
      target: scalar(value.target),
      ...(typeof value.source === 'string' ? { source: value.source } : {}),
    };
  }
  // Short syntax: [SOURCE:]TARGET[:MODE]; a source that is not a path names a volume.
  const [first, second] = scalar(value).split(':');
  if (second === undefined) return { type: 'volume', target: first! };
  const type = /^[./~]/.test(first!) ? 'bind' : 'volume';
  return { type, source: first!, target: second };
}

function parseEnvironment(value: unknown): Record<string, string | null> {
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const text = scalar(entry);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  if (!isRecord(value)) throw new Error(`environment must be a map or a list, got ${JSON.stringify(value)}`);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, v === null || v === undefined ? null : scalar(v)]),
  );
}

function parseDependsOn(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((name) => [scalar(name), 'service_started']));
  if (!isRecord(value)) throw new Error(`depends_on must be a map or a list, got ${JSON.stringify(value)}`);
  return Object.fromEntries(
    Object.entries(value).map(([name, dep]) => [
      name,
      isRecord(dep) && typeof dep.condition === 'string' ? dep.condition : 'service_started',
    ]),
  );
}

function parseService(raw: unknown): Service {
  if (!isRecord(raw)) throw new Error(`a service must be a map, got ${JSON.stringify(raw)}`);
  const service: Service = {
    entrypoint: words(raw.entrypoint),
    command: words(raw.command),
    environment: parseEnvironment(raw.environment),
    dependsOn: parseDependsOn(raw.depends_on),
    ports: Array.isArray(raw.ports) ? raw.ports.map(parsePort) : [],
    volumes: Array.isArray(raw.volumes) ? raw.volumes.map(parseMount) : [],
  };
  if (typeof raw.image === 'string') service.image = raw.image;
  if (typeof raw.restart === 'string') service.restart = raw.restart;
  if (typeof raw.build === 'string') service.build = { context: raw.build, dockerfile: 'Dockerfile' };
  else if (isRecord(raw.build))
    service.build = {
      context: scalar(raw.build.context ?? '.'),
      dockerfile: scalar(raw.build.dockerfile ?? 'Dockerfile'),
    };
  if (isRecord(raw.healthcheck) && raw.healthcheck.disable !== true) service.healthcheck = words(raw.healthcheck.test);
  return service;
}

function toModel(raw: unknown): Model {
  if (!isRecord(raw) || !isRecord(raw.services)) throw new Error('a compose model needs a services map');
  return {
    services: Object.fromEntries(Object.entries(raw.services).map(([name, s]) => [name, parseService(s)])),
    volumes: isRecord(raw.volumes) ? Object.keys(raw.volumes) : [],
  };
}

// ---------------------------------------------------------------------------------------------
// Image pinning

/** PostgreSQL versions are MAJOR.MINOR since 10: `16.15` is an exact release. */
const TWO_PART_EXACT = new Set(['postgres', 'library/postgres', 'docker.io/library/postgres']);

/** Why an image reference is not pinned to one exact release, or undefined when it is. */
function pinProblem(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const match = /^(?<repo>[a-z0-9][a-z0-9._/:-]*?)(?::(?<tag>[\w][\w.-]{0,127}))?$/.exec(image);
  if (!match?.groups) return 'not an image reference';
  const { repo, tag } = match.groups;
  if (!tag) return 'no tag (means latest)';
  if (/latest|stable|current|edge|nightly|main/i.test(tag)) return `floating tag "${tag}"`;
  // MinIO publishes one immutable tag per release, named by its date and time.
  if (/^RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/.test(tag)) return undefined;
  const version = /^v?(\d+(?:\.\d+)*)/.exec(tag);
  if (!version) return `tag "${tag}" has no version number`;
  const parts = version[1]!.split('.').length;
  const needed = TWO_PART_EXACT.has(repo!) ? 2 : 3;
  if (parts < needed) return `tag "${tag}" names a release line, not one release (needs ${needed} version components)`;
  return undefined;
}

function dockerfileBaseImages(text: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of text.split('\n')) {
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    if (!stages.has(from[1]!.toLowerCase())) images.push(from[1]!);
    if (from[2]) stages.add(from[2].toLowerCase());
  }
  return images;
}

// ---------------------------------------------------------------------------------------------
// Finding a Compose implementation

interface Compose {
  argv: string[];
  source: string;
}

function composeVersion(argv: string[]): string | undefined {
  const result = spawnSync(argv[0]!, [...argv.slice(1), 'version', '--short'], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) return undefined;
  const version = result.stdout.trim().replace(/^v/, '');
  // Compose v1 (the Python docker-compose) lacks `config --format json` and is end of life.
  return /^(\d+)\./.exec(version) && Number(version.split('.')[0]) >= 2 ? version : undefined;
}

function pinnedComposeVersion(): string | undefined {
  const goMod = path.join(root, 'tools', 'go', 'compose', 'go.mod');
  if (!fs.existsSync(goMod)) return undefined;
  return /^\s*github\.com\/docker\/compose\/v\d+ v(\S+)/m.exec(fs.readFileSync(goMod, 'utf8'))?.[1];
}

function findCompose(): Compose | { missing: string } {
  const fromEnv = process.env.DOCKER_COMPOSE_BIN;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`DOCKER_COMPOSE_BIN=${fromEnv} does not exist`);
    if (!composeVersion([fromEnv])) throw new Error(`DOCKER_COMPOSE_BIN=${fromEnv} is not Docker Compose v2 or later`);
    return { argv: [fromEnv], source: `$DOCKER_COMPOSE_BIN (${fromEnv})` };
  }
  const pinned = pinnedComposeVersion();
  const cached = pinned ? path.join(cacheRoot(), 'tools', `compose-${pinned}`, 'compose') : undefined;
  if (cached && fs.existsSync(cached) && composeVersion([cached]))
    return { argv: [cached], source: `pinned build ${cached}` };
  if (composeVersion(['docker', 'compose'])) return { argv: ['docker', 'compose'], source: 'docker compose plugin' };
  if (composeVersion(['docker-compose'])) return { argv: ['docker-compose'], source: 'docker-compose on PATH' };
  return {
    missing:
      `no Docker Compose v2+ found ($DOCKER_COMPOSE_BIN unset, no ${cached ?? 'pinned build'}, no \`docker compose\` plugin, no docker-compose on PATH). ` +
      `Build the pinned one: cd tools/go/compose && CGO_ENABLED=0 go build -trimpath -mod=readonly -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=v${pinned ?? '<version>'}" -o ${cached ?? '<cache>/compose'} github.com/docker/compose/v2/cmd`,
  };
}

const found = findCompose();
const compose = 'argv' in found ? found : undefined;
const SKIP_REASON = 'no Docker Compose v2+ found: set DOCKER_COMPOSE_BIN or build tools/go/compose (see the warning)';
if (!compose && 'missing' in found) console.warn(`docker compose config checks SKIPPED: ${found.missing}`);

/** Every variable the file marks as required (`${NAME:?message}`), with a stand-in value. */
const requiredVariables = [...new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1]!))].sort();
const standIns: Record<string, string> = Object.fromEntries(
  requiredVariables.map((name) => [name, `test-${name.toLowerCase()}`]),
);

/** Runs Compose hermetically: no shell secrets, no .env file, only the given variables. */
function runCompose(args: string[], variables: Record<string, string>) {
  if (!compose) throw new Error('no compose');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    ...variables,
  };
  if (process.env.DOCKER_CONFIG) env.DOCKER_CONFIG = process.env.DOCKER_CONFIG;
  return spawnSync(
    compose.argv[0]!,
    [...compose.argv.slice(1), '--env-file', '/dev/null', '-f', composeFile, ...args],
    {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The same structural checks for both views of the compose file.

function commandText(service: Service): string {
  return [...service.entrypoint, ...service.command].join(' ');
}

function describeModel(title: string, load: () => Model, options: { skip?: string } = {}): void {
  const maybe = options.skip ? test.skip : test;
  const suffix = options.skip ? ` [skipped: ${options.skip}]` : '';
  describe(title, () => {
    let model: Model;
    beforeAll(() => {
      if (!options.skip) model = load();
    });

    maybe(`every image is pinned to one exact release${suffix}`, () => {
      const images = Object.entries(model.services).filter(([, s]) => s.image && !s.build);
      expect(images.length).toBeGreaterThanOrEqual(6);
      const problems = images
        .map(([name, s]) => [name, s.image, pinProblem(s.image!)])
        .filter(([, , problem]) => problem);
      expect(problems).toEqual([]);
    });

    maybe(`the three project services are built from the Dockerfile and run their own entry point${suffix}`, () => {
      for (const name of PROJECT_SERVICES) {
        const service = model.services[name];
        expect(service).toBeDefined();
        expect(path.resolve(root, service!.build!.context)).toBe(root);
        expect(service!.build!.dockerfile).toBe('Dockerfile');
        expect(service!.command).toEqual(['node', '--import', 'tsx', `workers/${name}.ts`]);
      }
    });

    maybe(`project services reach Temporal and MongoDB on the compose network${suffix}`, () => {
      for (const name of PROJECT_SERVICES) {
        const env = model.services[name]!.environment;
        expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
        expect(env.MONGODB_URI).toBe('mongodb://mongo:27017/beluga');
        expect(env).toHaveProperty('TEMPORAL_NAMESPACE');
        for (const key of [
          'PUBLIC_URL',
          'TWILIO_ACCOUNT_SID',
          'TWILIO_AUTH_TOKEN',
          'ANTHROPIC_API_KEY',
          'ASSEMBLYAI_API_KEY',
          'TTS_API_KEY',
        ])
          expect(env).toHaveProperty(key);
      }
    });

    maybe(`each project service's health check asks its own /health (503 fails it)${suffix}`, () => {
      const ports = { gateway: 'PORT', realtime: 'REALTIME_PORT', orchestrator: 'ORCHESTRATOR_HEALTH_PORT' } as const;
      for (const name of PROJECT_SERVICES) {
        const service = model.services[name]!;
        const port = service.environment[ports[name]];
        expect([name, port]).toEqual([name, expect.stringMatching(/^\d+$/)]);
        expect([name, service.healthcheck?.join(' ')]).toEqual([
          name,
          expect.stringContaining(`fetch('http://127.0.0.1:${port}/health')`),
        ]);
        expect(service.healthcheck?.join(' ')).toContain('r.ok ? 0 : 1');
      }
    });

    maybe(`project services start only after Temporal is set up and MongoDB is healthy${suffix}`, () => {
      for (const name of PROJECT_SERVICES) {
        expect(model.services[name]!.dependsOn).toEqual({
          mongo: 'service_healthy',
          temporal: 'service_healthy',
          'temporal-admin-tools': 'service_completed_successfully',
          'minio-init': 'service_completed_successfully',
        });
      }
    });

    maybe(`every depends_on condition can be met${suffix}`, () => {
      for (const [name, service] of Object.entries(model.services)) {
        for (const [dependency, condition] of Object.entries(service.dependsOn)) {
          const target = model.services[dependency];
          expect([name, dependency, target !== undefined]).toEqual([name, dependency, true]);
          if (condition === 'service_healthy')
            expect([dependency, target!.healthcheck?.length ?? 0]).not.toEqual([dependency, 0]);
          // A one-shot that restarts on exit never "completes".
          if (condition === 'service_completed_successfully')
            expect([dependency, target!.restart ?? 'no']).toEqual([dependency, 'no']);
        }
      }
    });

    maybe(`Temporal: server, schema tools and UI; the UI is published on 8233${suffix}`, () => {
      const { temporal, 'temporal-schema': schema, 'temporal-admin-tools': admin, 'temporal-ui': ui } = model.services;
      expect(temporal?.image).toMatch(/^temporalio\/server:/);
      expect(temporal?.healthcheck?.length).toBeGreaterThan(0);
      // Schema tools must match the server release they prepare the database for.
      const serverVersion = temporal!.image!.split(':')[1];
      expect(schema?.image).toBe(`temporalio/admin-tools:${serverVersion}`);
      expect(admin?.image).toBe(`temporalio/admin-tools:${serverVersion}`);
      expect(temporal!.dependsOn).toEqual({ 'temporal-schema': 'service_completed_successfully' });
      expect(ui?.image).toMatch(/^temporalio\/ui:/);
      expect(ui!.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(ui!.ports).toContainEqual(expect.objectContaining({ published: '8233', target: 8080 }));
    });

    maybe(`temporal-admin-tools registers every project search attribute as Keyword${suffix}`, () => {
      const script = commandText(model.services['temporal-admin-tools']!);
      expect(script).toContain('temporal operator search-attribute create');
      expect(PROJECT_SEARCH_ATTRIBUTES.length).toBeGreaterThan(0);
      for (const name of PROJECT_SEARCH_ATTRIBUTES)
        expect(script).toMatch(new RegExp(`--name ${name} --type Keyword\\b`));
      expect(script).toContain('temporal operator namespace create');
    });

    maybe(`stateful services keep their data in declared named volumes${suffix}`, () => {
      const mounts: Array<[string, string]> = [
        ['temporal-postgresql', '/var/lib/postgresql/data'],
        ['mongo', '/data/db'],
      ];
      for (const [name, target] of mounts) {
        const mount = model.services[name]!.volumes.find((v) => v.target === target);
        expect([name, mount?.type]).toEqual([name, 'volume']);
        expect(model.volumes).toContain(mount!.source);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------

describeModel('docker-compose.yml as written', () => toModel(parseYaml(composeText, { merge: true })));

describe('docker-compose.yml secrets', () => {
  test('no secret is written in the file: each comes from the environment', () => {
    const model = toModel(parseYaml(composeText, { merge: true }));
    const secretish = /(TOKEN|SECRET|PASSWORD|PWD|API_KEY)$/;
    const offenders: string[] = [];
    let checked = 0;
    for (const [name, service] of Object.entries(model.services)) {
      for (const [key, value] of Object.entries(service.environment)) {
        if (!secretish.test(key)) continue;
        checked++;
        if (value !== null && !/^\$\{[A-Z][A-Z0-9_]*(:?[?-][^}]*)?\}$/.test(value))
          offenders.push(`${name}.${key}=${value}`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(offenders).toEqual([]);
  });

  test('the knowledge store is LanceDB on the compose MinIO bucket, with the settings LanceDB reads', () => {
    expect(composeText).toMatch(/KNOWLEDGE_STORE_URI: \$\{KNOWLEDGE_STORE_URI:-s3:\/\/beluga-knowledge\/chunks\}/);
    expect(composeText).toMatch(/AWS_ENDPOINT_URL: \$\{AWS_ENDPOINT_URL:-http:\/\/minio:9000\}/);
    expect(composeText).toContain('mc mb --ignore-existing beluga/beluga-knowledge');
  });

  test('the credentials the services cannot run without are required, with a message', () => {
    expect(requiredVariables).toEqual(
      expect.arrayContaining([
        'ANTHROPIC_API_KEY',
        'ASSEMBLYAI_API_KEY',
        'KNOWLEDGE_S3_SECRET_KEY',
        'TTS_API_KEY',
        'PUBLIC_URL',
        'TEMPORAL_DB_PASSWORD',
        'TWILIO_ACCOUNT_SID',
        'TWILIO_AUTH_TOKEN',
      ]),
    );
  });
});

describe('image pin checker', () => {
  test('accepts exact releases and rejects release lines and floating tags', () => {
    for (const good of [
      'node:20.20.2-bookworm-slim',
      'postgres:16.15',
      'mongo:7.0.39',
      'temporalio/ui:2.49.1',
      'temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0',
      `redis@sha256:${'a'.repeat(64)}`,
    ]) {
      expect([good, pinProblem(good)]).toEqual([good, undefined]);
    }
    for (const bad of [
      'node',
      'node:20',
      'node:20-bookworm-slim',
      'mongo:7.0',
      'postgres:16',
      'postgres:16-alpine',
      'temporalio/ui:latest',
      'temporalio/server:1.31',
      'postgres:latest-16.1',
    ]) {
      expect([bad, pinProblem(bad)]).not.toEqual([bad, undefined]);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  test('base images are pinned to one exact release', () => {
    const images = dockerfileBaseImages(dockerfile);
    expect(images.length).toBeGreaterThan(0);
    expect(images.map((image) => [image, pinProblem(image)]).filter(([, problem]) => problem)).toEqual([]);
    for (const image of images) expect(image).toMatch(/^node:20\./);
  });

  test('tsx is a production dependency (the image runs TypeScript through it)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(pkg.dependencies).toHaveProperty('tsx');
  });

  test('installs from the lockfile, runs as a non-root user, and starts the gateway by default', () => {
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
    expect(cmd).not.toBeNull();
    expect(JSON.parse(cmd![1]!)).toEqual(['node', '--import', 'tsx', 'workers/gateway.ts']);
  });

  test('.dockerignore keeps secrets, local state and host node_modules out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.env', '.env.*', '.git', '.data']));
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src',
      'workers',
      'workflows',
      'activities',
    ])
      expect(ignored).not.toContain(needed);
  });

  test('.dockerignore leaves the dev stack and its emulators out of the production image', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('devstack');
  });
});

describe('docker compose config', () => {
  const skip = compose ? undefined : SKIP_REASON;
  const maybe = skip ? test.skip : test;
  const suffix = skip ? ` [skipped: ${skip}]` : ` (${compose!.source})`;

  maybe(`config --quiet exits 0${suffix}`, () => {
    const result = runCompose(['config', '--quiet'], standIns);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  maybe(`each required variable stops Compose with its name when missing${suffix}`, () => {
    expect(requiredVariables.length).toBeGreaterThan(0);
    for (const name of requiredVariables) {
      const { [name]: _omitted, ...rest } = standIns;
      const result = runCompose(['config', '--quiet'], rest);
      expect([name, result.status]).not.toEqual([name, 0]);
      expect(result.stderr).toContain(name);
    }
  });

  maybe(`secrets from the environment reach the services that need them${suffix}`, () => {
    const result = runCompose(['config', '--format', 'json'], standIns);
    expect(result.status).toBe(0);
    const model = toModel(JSON.parse(result.stdout) as unknown);
    for (const name of PROJECT_SERVICES) {
      for (const key of [
        'PUBLIC_URL',
        'TWILIO_ACCOUNT_SID',
        'TWILIO_AUTH_TOKEN',
        'ANTHROPIC_API_KEY',
        'ASSEMBLYAI_API_KEY',
        'TTS_API_KEY',
      ]) {
        expect([name, key, model.services[name]!.environment[key]]).toEqual([name, key, standIns[key]]);
      }
    }
    const dbPassword = standIns.TEMPORAL_DB_PASSWORD;
    expect(model.services['temporal-postgresql']!.environment.POSTGRES_PASSWORD).toBe(dbPassword);
    expect(model.services['temporal-schema']!.environment.SQL_PASSWORD).toBe(dbPassword);
    expect(model.services.temporal!.environment.POSTGRES_PWD).toBe(dbPassword);
  });
});

describeModel(
  'docker-compose.yml as Compose resolves it (config --format json)',
  () => {
    const result = runCompose(['config', '--format', 'json'], standIns);
    if (result.status !== 0) throw new Error(`compose config failed: ${result.stderr}`);
    return toModel(JSON.parse(result.stdout) as unknown);
  },
  compose ? {} : { skip: SKIP_REASON },
);
