import * as workflows from '../../workflows';

/** Every workflow type the orchestrator registers (the exports of workflows/index.ts). */
export function registeredWorkflowTypes(): ReadonlySet<string> {
  return new Set(
    Object.entries(workflows)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name),
  );
}
