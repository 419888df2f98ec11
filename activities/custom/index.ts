/**
 * Your own activities. Add a factory's result here; it is registered on the orchestrator worker
 * and typed for workflows through `customActivities()` in workflows/platform.ts.
 * Activities may do anything (HTTP, databases); they receive the platform's dependencies.
 */
import { createCrmActivities } from './crm';
import type { CustomActivityDeps } from './deps';

export function createCustomActivities(deps: CustomActivityDeps) {
  return {
    ...createCrmActivities(deps),
  };
}
