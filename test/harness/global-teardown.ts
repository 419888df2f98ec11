import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__belugaStack;
  if (!stack) return;
  await Promise.all(stack.processes.map((p) => p.stop(10_000)));
  fs.rmSync(stack.tmpDir, { recursive: true, force: true });
  globalThis.__belugaStack = undefined;
}
