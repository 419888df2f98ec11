/**
 * Process-level fault tests (test/faults): each file starts its own stack (Temporal, FerretDB, the platform's
 * processes) and kills parts of it, so files run one at a time and get generous timeouts.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // The shared Temporal and FerretDB, for the fault tests on the in-process stack (test/harness/system.ts).
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 240000,
  maxWorkers: 1,
  verbose: true,
};
