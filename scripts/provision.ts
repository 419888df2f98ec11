// `npm run provision [-- --for-tests]`: builds (once, cached per version) the Temporal CLI and FerretDB the dev
// stack and tests need, unless TEMPORAL_ADDRESS / MONGODB_URI point at servers you already run; for the tests
// (and `--browser`, for `npm run screenshots`) also Debian's chromium, which the browser tests drive.
import { ensureChromium } from '../devstack/chromium';
import { DOCKER_COMPOSE, ensureGoTool, FERRETDB, TEMPORAL_CLI, type GoTool } from '../devstack/go-tools';

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[provision] ${line}\n`);
  const forTests = process.argv.includes('--for-tests');
  const wanted: GoTool[] = [
    ...(process.env.TEMPORAL_ADDRESS ? [] : [TEMPORAL_CLI]),
    ...(process.env.MONGODB_URI ? [] : [FERRETDB]),
    // Compose only validates docker-compose.yml in the test suite; the dev stack never needs it.
    ...(forTests ? [DOCKER_COMPOSE] : []),
  ];
  // One build at a time: on two cores, parallel Go builds only thrash each other.
  const paths: string[] = [];
  for (const tool of wanted) paths.push(await ensureGoTool(tool, log));
  wanted.forEach((tool, i) => log(`${tool.name} ${tool.version}: ${paths[i]}`));
  if (forTests || process.argv.includes('--browser')) log(`chromium: ${await ensureChromium(log)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[provision] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
