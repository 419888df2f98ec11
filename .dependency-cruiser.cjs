/**
 * Import boundaries of the production code (src/, workflows/, activities/, workers/), checked by
 * `npm run lint` (`depcruise`). Type-only imports count: a cycle of types
 * still ties the modules together.
 */

/** Production code: what the three processes run. */
const PRODUCTION = '^(src|workflows|activities|workers)/';

/**
 * src/ modules that workflow code may load at runtime: pure constants and types, no I/O, no clock,
 * no randomness, nothing but `@temporalio/common` and each other. Add a module here only if it is
 * that pure; everything else reaches workflows through activities.
 */
const WORKFLOW_SAFE_SRC = [
  '^src/temporal/search-attributes\\.ts$',
  '^src/events/catalog\\.ts$',
  '^src/voice/call-types\\.ts$',
  '^src/temporal/retry-policies\\.ts$',
  '^src/agent/tool-rounds\\.ts$',
  '^src/agents/tool-calls\\.ts$',
  '^src/agents/tool-names\\.ts$',
  '^src/knowledge/citations\\.ts$',
];

/** Imports that vanish when TypeScript compiles, so they load nothing at runtime. */
const TYPE_ONLY = ['type-only', 'pre-compilation-only'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules in a cycle can only be understood, tested and loaded together; layers must point one way.',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { circular: true },
    },
    {
      name: 'no-test-or-devstack-in-production',
      comment:
        'The dev stack, emulators and test helpers are not shipped (see .dockerignore): production must not load them.',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { path: '^(test|devstack|scripts|bench)/' },
    },
    {
      name: 'src-uses-workflow-contracts-only',
      comment:
        'Gateway, realtime and activities talk to a workflow through its contract (name, id, input, signals); loading its implementation would tie them to its code and its activities.',
      severity: 'error',
      from: { path: '^(src|activities|workers)/', pathNot: '^src/orchestrator/' },
      to: { path: '^workflows/', pathNot: '^workflows/[^/]+/contract\\.ts$' },
    },
    {
      name: 'workflows-load-only-deterministic-code',
      comment:
        "Workflow code replays in Temporal's deterministic sandbox: at runtime it loads only workflows/, the workflow SDK and pure src/ modules.",
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        dependencyTypesNot: TYPE_ONLY,
        pathNot: ['^workflows/', '^node_modules/@temporalio/(workflow|common)/', ...WORKFLOW_SAFE_SRC],
      },
    },
    {
      name: 'workflow-safe-src-stays-pure',
      comment:
        'The src/ modules workflows load must stay free of I/O and other runtime dependencies, or workflows would inherit them.',
      severity: 'error',
      from: { path: WORKFLOW_SAFE_SRC },
      to: {
        dependencyTypesNot: TYPE_ONLY,
        pathNot: ['^node_modules/@temporalio/common/', ...WORKFLOW_SAFE_SRC],
      },
    },
    {
      name: 'console-imports-only-api-types',
      comment:
        'The console is a browser bundle: of the server code it may know only the API shapes (src/gateway/api-types.ts), so nothing of the server is bundled.',
      severity: 'error',
      from: { path: '^console/' },
      to: {
        path: '^(src|workflows|activities|workers|devstack|scripts|bench|test)/',
        pathNot: '^src/gateway/api-types\\.ts$',
      },
    },
    {
      name: 'console-imports-api-types-as-types',
      comment: 'Type-only, so the bundler erases the import: api-types.ts must add no code to the bundle.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^src/gateway/api-types\\.ts$', dependencyTypesNot: TYPE_ONLY },
    },
    {
      name: 'server-does-not-import-the-console',
      comment: 'The gateway serves the built console as files; it never loads its sources.',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { path: '^console/' },
    },
  ],
  options: {
    // Keep type-only imports in the graph, marked so the runtime rules above can tell them apart.
    tsPreCompilationDeps: 'specify',
    tsConfig: { fileName: 'tsconfig.json' },
    // Report imports of packages and of non-production folders, but do not cruise inside them.
    doNotFollow: { path: ['node_modules', '^(test|devstack|scripts|bench)/'] },
  },
};
