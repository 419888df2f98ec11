// `npm run provision`: builds (once, cached per version) the Temporal CLI and FerretDB the dev
// stack and tests need, unless TEMPORAL_ADDRESS / MONGODB_URI point at servers you already run.
import { ensureGoTool, FERRETDB, TEMPORAL_CLI } from '../src/devstack/go-tools';

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`[provision] ${line}\n`);
  const wanted = [...(process.env.TEMPORAL_ADDRESS ? [] : [TEMPORAL_CLI]), ...(process.env.MONGODB_URI ? [] : [FERRETDB])];
  const paths = await Promise.all(wanted.map((tool) => ensureGoTool(tool, log)));
  wanted.forEach((tool, i) => log(`${tool.name} ${tool.version}: ${paths[i]}`));
}

main().catch((error: unknown) => {
  process.stderr.write(`[provision] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
