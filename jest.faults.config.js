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
  testTimeout: 240000,
  maxWorkers: 1,
  verbose: true,
};
