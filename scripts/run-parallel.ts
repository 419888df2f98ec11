// `node --import tsx scripts/run-parallel.ts typecheck lint`: runs those npm scripts at once and fails
// if any fails. The type-check and the linters are each single-threaded, so on two cores running them
// side by side saves most of the shorter one's time in `npm test`.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

function run(script: string): Promise<number> {
  const child = spawn('npm', ['run', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Each line keeps its script's name, so interleaved output still reads.
  for (const stream of [child.stdout, child.stderr])
    readline.createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${script}] ${line}\n`));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stdout.write(`[${script}] could not start: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const scripts = process.argv.slice(2);
  if (scripts.length === 0) throw new Error('usage: run-parallel.ts <npm script> [<npm script> …]');
  const codes = await Promise.all(scripts.map(run));
  const failed = scripts.filter((_, i) => codes[i] !== 0);
  if (failed.length > 0) {
    process.stdout.write(`failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
