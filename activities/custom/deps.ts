import type { Config } from '../../src/config/schema';

/** What your activities receive from the platform (a narrow slice of the orchestrator's dependencies). */
export interface CustomActivityDeps {
  config: () => Config;
}
