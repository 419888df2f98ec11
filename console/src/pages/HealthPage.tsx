import { useQuery } from '@tanstack/react-query';
import type { HealthCheck, HealthReport } from '../../../src/gateway/api-types';
import { ApiError } from '../api';
import { usePageTitle } from '../page-title';
import { Badge, ErrorText, Loading } from '../ui';

/** `/health` answers 503 with the same report when unhealthy: that is a report to show, not an error. */
async function fetchHealth(): Promise<HealthReport> {
  const response = await fetch('/health', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  try {
    return (await response.json()) as HealthReport;
  } catch {
    throw new ApiError(response.status, `/health answered ${response.status} without a report`);
  }
}

const CHECK_TONE: Record<HealthCheck['status'], 'ok' | 'warn' | 'bad'> = { ok: 'ok', degraded: 'warn', down: 'bad' };
const OVERALL_TONE: Record<HealthReport['status'], 'ok' | 'warn' | 'bad'> = {
  healthy: 'ok',
  degraded: 'warn',
  unhealthy: 'bad',
};

/** Names of the checks in words. */
const CHECK_NAMES: Record<string, string> = {
  temporal: 'Temporal',
  mongodb: 'MongoDB',
  taskQueue: 'Task queue (orchestrator)',
  twilio: 'Twilio credentials',
  twilioRateLimits: 'Twilio rate limits',
  config: 'Configuration',
  knowledge: 'Knowledge store',
};

export function HealthPage() {
  usePageTitle('Health');
  const health = useQuery({ queryKey: ['health'], queryFn: fetchHealth, refetchInterval: 10_000 });
  return (
    <>
      <div className="page-head">
        <h1>Health</h1>
        <button type="button" className="secondary" onClick={() => void health.refetch()} disabled={health.isFetching}>
          Check again
        </button>
      </div>
      <ErrorText error={health.error} />
      {health.isPending && <Loading what="health" />}
      {health.data && (
        <>
          <p role="status">
            The gateway is <Badge tone={OVERALL_TONE[health.data.status]}>{health.data.status}</Badge>
          </p>
          <ul className="checks-list" aria-label="Checks">
            {Object.entries(health.data.checks).map(([name, check]) => (
              <li key={name}>
                <strong>{CHECK_NAMES[name] ?? name}</strong>{' '}
                <Badge tone={CHECK_TONE[check.status]}>{check.status}</Badge>
                <p>{check.detail}</p>
                {check.missing && check.missing.length > 0 && (
                  <p className="muted">Not set: {check.missing.join(', ')}</p>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
