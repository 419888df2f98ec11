/**
 * Your own activities. Add a factory's result here; it is registered on the orchestrator worker
 * and typed for workflows through `customActivities()` in workflows/platform.ts.
 * Activities may do anything (HTTP, databases); they receive the platform's dependencies.
 */
import type { Config } from '../../src/config/schema';
import { createCrmActivities } from './crm';

export interface CustomActivityDeps {
  config: () => Config;
}

export function createCustomActivities(deps: CustomActivityDeps) {
  return {
    ...createCrmActivities(deps),
  };
}
