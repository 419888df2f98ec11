import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/orchestrator/worker';

/** Where global setup leaves the bundled workflow code for every test file of the run. */
const BUNDLE_PATH_ENV = 'BELUGA_TEST_WORKFLOW_BUNDLE';

function bundle(): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
}

/**
 * Bundles the workflows (and their interceptors) once for the whole run, in global setup: bundling
 * takes seconds, and each test file would otherwise pay for it again.
 */
export async function bundleWorkflowsForRun(dir: string): Promise<void> {
  const codePath = path.join(dir, 'workflows.js');
  fs.writeFileSync(codePath, (await bundle()).code);
  process.env[BUNDLE_PATH_ENV] = codePath;
}

let perFile: Promise<WorkflowBundleOption> | undefined;
/** The run's bundle; without one (a stack started elsewhere), bundled once per test file. */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  const codePath = process.env[BUNDLE_PATH_ENV];
  if (codePath) return Promise.resolve({ codePath });
  perFile ??= bundle();
  return perFile;
}
