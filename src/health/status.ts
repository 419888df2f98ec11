/**
 * The health vocabulary shared by every process's `/health`, and the one rule that turns checks
 * into an overall status (FR-038). Which check may make a process unhealthy is decided by the
 * process (see each process's health module): a failed check is `down` or `degraded` by itself,
 * and the process says, per check, whether `down` means the process is unhealthy or only degraded.
 */

/** `unhealthy` answers 503 (take this instance out); `healthy` and `degraded` answer 200. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthCheck {
  status: 'ok' | 'degraded' | 'down';
  /** Why, in words an operator can act on (never a secret). */
  detail: string;
  /** Names of unset settings (the `config` check). */
  missing?: string[];
}

export interface HealthReport {
  status: HealthStatus;
  checks: Record<string, HealthCheck>;
}

/**
 * What a `down` check does to the process: `unhealthy` when the process cannot do its job without
 * it, `degraded` when it still does its job (later, or in part). A `degraded` check always makes
 * the process degraded at most.
 */
export type WhenDown = 'unhealthy' | 'degraded';

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** The worst effect of any check, given what each check's `down` means to this process. */
export function overallStatus(checks: Record<string, HealthCheck>, whenDown: Record<string, WhenDown>): HealthStatus {
  let status: HealthStatus = 'healthy';
  for (const [name, check] of Object.entries(checks)) {
    const effect: HealthStatus =
      check.status === 'ok' ? 'healthy' : check.status === 'degraded' ? 'degraded' : (whenDown[name] ?? 'unhealthy');
    if (RANK[effect] > RANK[status]) status = effect;
  }
  return status;
}

export function healthReport(checks: Record<string, HealthCheck>, whenDown: Record<string, WhenDown>): HealthReport {
  return { status: overallStatus(checks, whenDown), checks };
}

/** Load balancers and Docker read only the status code. */
export function httpStatusOf(report: HealthReport): 200 | 503 {
  return report.status === 'unhealthy' ? 503 : 200;
}
