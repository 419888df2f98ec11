import { randomUUID } from 'node:crypto';

/** Addresses of the run's shared Temporal server and FerretDB (started in global setup). */
export function testStack(): { temporalAddress: string; mongoUri: string } {
  const temporalAddress = process.env.BELUGA_TEST_TEMPORAL_ADDRESS;
  const mongoUri = process.env.BELUGA_TEST_MONGODB_URI;
  if (!temporalAddress || !mongoUri)
    throw new Error('test stack not running: global setup did not start it (BELUGA_TEST_STACK=none?)');
  return { temporalAddress, mongoUri };
}

/** Unique per test: task queues, workflow ids, database names never collide across files. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
