import type { Connection } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import type { ConfigStore } from '../config/store';
import { missingCredentials } from '../config/load';

type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

interface HealthCheck {
  status: 'ok' | 'degraded' | 'down';
  detail?: string;
  missing?: string[];
}

export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, HealthCheck>;
}

async function probe(run: () => Promise<unknown>, timeoutMs = 2000): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
      ),
    ]);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'down', detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** Temporal and MongoDB down = unhealthy; missing provider credentials = degraded. */
export async function checkHealth(deps: {
  config: ConfigStore;
  temporal: Connection;
  mongo: MongoClient;
}): Promise<HealthReport> {
  const [temporal, mongodb] = await Promise.all([
    probe(() => deps.temporal.workflowService.getSystemInfo({})),
    probe(() => deps.mongo.db('admin').command({ ping: 1 })),
  ]);
  const missing = missingCredentials(deps.config.get());
  const config: HealthCheck = missing.length
    ? { status: 'degraded', detail: 'provider credentials missing', missing }
    : { status: 'ok' };
  const checks = { temporal, mongodb, config };
  const status: HealthStatus =
    temporal.status === 'down' || mongodb.status === 'down' ? 'unhealthy' : missing.length ? 'degraded' : 'healthy';
  return { status, checks };
}
